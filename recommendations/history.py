"""A shop's purchase history as of a cut-off day, in the sparse shapes the rankers read.

Every ranker and every evaluation window starts from the same History, built from the purchase
order lines (customer_id, order_id, merchant_code, category_name, created_date) up to the
cut-off, so that what the evaluation measures is what the night ships. Customers, products and
orders are coded once for all windows (sorted codes, so the same purchases in any file order
give the same matrices to the bit: ALS starts from them); a History is a view of the lines up to
its cut-off over those codes. Product codes follow merchant_code order, the last tie-break of
every ranking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

LINE_COLUMNS = ("customer_id", "order_id", "merchant_code", "category_name", "created_date")
_EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


@dataclass(frozen=True)
class Purchases:
    """Every purchase line, coded: one row per customer, order and product."""

    customers: np.ndarray  # customer_id by code, sorted
    products: np.ndarray  # merchant_code by code, sorted
    categories: np.ndarray  # category name by code, sorted
    product_category: np.ndarray  # category code of each product
    customer: np.ndarray  # per line
    product: np.ndarray
    order: np.ndarray
    day: np.ndarray  # days since 1970-01-01
    # lines of orders without a customer: pairs count them as product_pairs does
    anonymous_order: np.ndarray
    anonymous_product: np.ndarray
    anonymous_day: np.ndarray

    @property
    def first_day(self) -> dt.date | None:
        return _EPOCH + dt.timedelta(days=int(self.day.min())) if len(self.day) else None

    def rows_of(self, customer_ids) -> np.ndarray:
        return pd.Index(self.customers).get_indexer(pd.Index(customer_ids))


def purchase_lines(frame: pd.DataFrame) -> Purchases:
    """The lines the recommender reads, from one frame (see purchases_from_chunks)."""
    return purchases_from_chunks([frame])


class _Codes:
    """Strings → dense codes across chunks; sorted() renumbers them in string order."""

    def __init__(self):
        self.values = pd.Index([], dtype=object)

    def encode(self, column: pd.Series) -> np.ndarray:
        local, uniques = pd.factorize(column.astype(str))
        known = self.values.get_indexer(uniques)
        new = known < 0
        known[new] = np.arange(len(self.values), len(self.values) + int(new.sum()))
        self.values = self.values.append(pd.Index(np.asarray(uniques)[new], dtype=object))
        return known[local].astype(np.int64)

    def sorted(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = self.values.to_numpy(dtype=object)
        order = np.argsort(values.astype(str), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank[codes] if len(codes) else codes, values[order]


def purchases_from_chunks(chunks) -> Purchases:
    """The lines the recommender reads, coded a chunk at a time: ten million lines as Python
    strings would take gigabytes, their codes a few hundred megabytes. Order ids are only ever
    compared, so they are hashed (64 bits: a clash among ten million orders has odds of about
    one in 400,000) rather than kept.

    A line without a product code says nothing and is left out; a line whose order has no
    customer (the identity step could not place it) cannot be recommended to, but its order
    still says which products go together (anonymous_*, as product_pairs counts it); a missing
    category is 'unknown', as in dim_products."""
    customer_codes, product_codes, category_codes = _Codes(), _Codes(), _Codes()
    parts = []
    for frame in chunks:
        missing = set(LINE_COLUMNS) - set(frame.columns)
        if missing:
            raise ValueError(f"purchase lines lack column(s) {sorted(missing)}")
        lines = frame.loc[frame["merchant_code"].notna()]
        known = lines["customer_id"].notna().to_numpy()
        customer = np.full(len(lines), -1, dtype=np.int64)
        customer[known] = customer_codes.encode(lines["customer_id"][known])
        parts.append(
            (
                customer,
                product_codes.encode(lines["merchant_code"]),
                pd.util.hash_array(lines["order_id"].astype(str).to_numpy(dtype=object)).view(
                    np.int64
                ),
                category_codes.encode(lines["category_name"].fillna("unknown")),
                pd.to_datetime(lines["created_date"])
                .to_numpy(dtype="datetime64[D]")
                .astype(np.int64),
            )
        )
    customer, product, order, category, day = (
        np.concatenate([part[i] for part in parts]) if parts else np.zeros(0, dtype=np.int64)
        for i in range(5)
    )
    known = customer >= 0
    customer[known], customers = customer_codes.sorted(customer[known])
    product, products = product_codes.sorted(product)
    category, categories = category_codes.sorted(category)
    _, order = np.unique(order, return_inverse=True)
    order = order.astype(np.int64).ravel()
    product_category = np.zeros(len(products), dtype=np.int64)
    by_product = np.lexsort((category, product))
    product_category[product[by_product]] = category[by_product]  # as dim_products gives it
    anonymous = _distinct(order[~known], product[~known], day[~known])
    # one row per customer, order and product; sorted so that sums and ties never depend on the
    # order the warehouse returned the lines in
    customer, product, order, day = customer[known], product[known], order[known], day[known]
    sort = np.lexsort((day, order, product, customer))
    customer, product, order, day = (a[sort] for a in (customer, product, order, day))
    keep = np.ones(len(customer), dtype=bool)
    if len(customer):
        keep[1:] = (np.diff(customer) != 0) | (np.diff(product) != 0) | (np.diff(order) != 0)
    return Purchases(
        customers=customers,
        products=products,
        categories=categories,
        product_category=product_category,
        customer=customer[keep],
        product=product[keep],
        order=order[keep],
        day=day[keep],
        anonymous_order=anonymous[0],
        anonymous_product=anonymous[1],
        anonymous_day=anonymous[2],
    )


def _distinct(order, product, day):
    sort = np.lexsort((day, product, order))
    order, product, day = order[sort], product[sort], day[sort]
    keep = np.ones(len(order), dtype=bool)
    if len(order):
        keep[1:] = (np.diff(order) != 0) | (np.diff(product) != 0)
    return order[keep].astype(np.int64), product[keep].astype(np.int64), day[keep]


@dataclass(frozen=True)
class History:
    """Purchases up to `cutoff`, over the codes of all purchases (customers and products not
    seen by then have empty rows and columns)."""

    cutoff: dt.date
    purchases: Purchases
    seen: np.ndarray  # bool per line: on or before the cut-off
    owned: sparse.csr_matrix  # customers × products, 1 where bought
    decayed: sparse.csr_matrix  # sum over purchase days of 0.5 ** (age / half-life)
    order_count: np.ndarray  # orders per customer
    main_category: np.ndarray  # per customer: the category they bought most products of
    popularity: np.ndarray  # buyers per product in the popularity window, scaled to max 1
    sold: np.ndarray  # bool per product: sold by the cut-off
    cache: dict = field(default_factory=dict, compare=False)  # what rankers reuse (pairs)

    @property
    def products(self) -> np.ndarray:
        return self.purchases.products

    @property
    def customers(self) -> np.ndarray:
        return self.purchases.customers

    @property
    def product_count(self) -> int:
        return len(self.purchases.products)

    @property
    def sold_count(self) -> int:
        return int(self.sold.sum())

    def rows_of(self, customer_ids) -> np.ndarray:
        return self.purchases.rows_of(customer_ids)

    def with_history(self) -> np.ndarray:
        """Customers with a purchase by the cut-off."""
        return np.flatnonzero(self.order_count > 0)


def build_history(
    purchases: Purchases, cutoff: dt.date, half_life_days: float, popularity_days: int
) -> History:
    p = purchases
    cut = day_number(cutoff)
    seen = p.day <= cut
    shape = (len(p.customers), len(p.products))
    customer, product, order, day = p.customer[seen], p.product[seen], p.order[seen], p.day[seen]

    age = (cut - day).astype(np.float64)
    # one weight per purchase day: several orders of a product on one day are one purchase
    same_day = np.zeros(len(day), dtype=bool)
    if len(day):
        key = np.lexsort((day, product, customer))
        c, q, d = customer[key], product[key], day[key]
        first = np.ones(len(key), dtype=bool)
        first[1:] = (np.diff(c) != 0) | (np.diff(q) != 0) | (np.diff(d) != 0)
        same_day[key] = ~first
    weight = np.power(0.5, age / half_life_days) if half_life_days > 0 else np.ones_like(age)
    weight[same_day] = 0.0
    decayed = sparse.csr_matrix(
        (weight.astype(np.float32), (customer, product)), shape=shape, dtype=np.float32
    )
    decayed.sum_duplicates()
    decayed.eliminate_zeros()
    owned = sparse.csr_matrix(
        (np.ones(len(customer), dtype=np.float32), (customer, product)), shape=shape
    )
    owned.sum_duplicates()
    owned.data[:] = 1.0

    orders = np.unique(customer * (int(order.max()) + 1 if len(order) else 1) + order)
    order_count = np.bincount(
        orders // (int(order.max()) + 1 if len(order) else 1), minlength=shape[0]
    )

    # the category each customer bought most products of (ties: the first category)
    main_category = np.zeros(shape[0], dtype=np.int64)
    if owned.nnz:
        owner = np.repeat(np.arange(shape[0]), np.diff(owned.indptr))
        pairs_seen, counts = np.unique(
            owner * len(p.categories) + p.product_category[owned.indices], return_counts=True
        )
        who, which = pairs_seen // len(p.categories), pairs_seen % len(p.categories)
        best = np.lexsort((which, -counts, who))
        first = np.ones(len(best), dtype=bool)
        first[1:] = who[best][1:] != who[best][:-1]
        main_category[who[best][first]] = which[best][first]

    recent = day > cut - popularity_days
    pairs = np.unique(customer[recent] * shape[1] + product[recent])
    buyers = (
        np.bincount(pairs % shape[1], minlength=shape[1]).astype(np.float64)
        if shape[1]
        else np.zeros(0)
    )
    popularity = buyers / buyers.max() if len(buyers) and buyers.max() > 0 else buyers
    sold = np.bincount(product, minlength=shape[1]) > 0

    return History(
        cutoff=cutoff,
        purchases=p,
        seen=seen,
        owned=owned,
        decayed=decayed,
        order_count=order_count,
        main_category=main_category,
        popularity=popularity,
        sold=sold,
    )
