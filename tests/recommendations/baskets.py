"""Hand-made basket sets for the recommender tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

AS_OF = dt.date(2026, 10, 31)


def lines(*rows: tuple) -> pd.DataFrame:
    """Lines from (customer, order, product, category, day) tuples."""
    return pd.DataFrame(
        rows, columns=["customer_id", "order_id", "merchant_code", "category_name", "created_date"]
    )


def two_taste_shop(seed: int, days: int = 720, structured: bool = True) -> pd.DataFrame:
    """A shop whose customers come in two tastes: 300 buy from P10..P19, 100 from P20..P29, a
    few products per order, every few weeks. Every product is in one category, so the taste is
    only in what a customer bought, not in the category list. With
    `structured` false, everyone buys from all twenty products alike, so what a customer
    bought says nothing about what they buy next."""
    rng = np.random.default_rng(seed)
    start = AS_OF - dt.timedelta(days=days - 1)
    rows = []
    for number in range(400):
        customer = f"c{number:03d}"
        if structured:
            products = range(10, 20) if number < 300 else range(20, 30)
        else:
            products = range(10, 30)
        products = list(products)
        # each customer favours a few of their products: what they buy new later is the rest
        weights = rng.dirichlet(np.full(len(products), 0.6))
        day = int(rng.integers(0, 120))
        order = 0
        while day < days:
            order += 1
            for product in set(rng.choice(products, size=int(rng.integers(1, 4)), p=weights)):
                rows.append(
                    (
                        customer,
                        f"{customer}-{order}",
                        f"P{product}",
                        "general",
                        start + dt.timedelta(days=day),
                    )
                )
            day += int(rng.integers(20, 90))
    return lines(*rows)


def products_of(frame: pd.DataFrame) -> pd.DataFrame:
    return (
        frame[["merchant_code", "category_name"]]
        .drop_duplicates("merchant_code")
        .assign(product_name=lambda d: "name of " + d["merchant_code"])
    )
