"""Time-split evaluation of the rankings: recommend from what was known at a split day, then
score the lists against the products each customer bought new to them in the days after.

Evaluated: customers with a purchase up to the split who bought, in the window after it, at
least one product they had not bought before (products first sold after the split count too:
no method could have named them, and a shop should see that). Per method, averaged over those
customers: hit rate (at least one recommended product bought), precision and recall at k,
NDCG at k (binary relevance, ideal = min(new products, k) hits at the top), and catalogue
coverage (distinct recommended products over the products sold up to the split). Against the
popularity baseline, a one-sided sign test on the customers one list hit and the other missed
says whether a higher hit rate is more than luck.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from scipy import stats

from recommendations.history import History, Purchases, day_number
from recommendations.rankers import Ranking

SEGMENTS = ("one_order", "repeat")


@dataclass(frozen=True)
class Truth:
    """The evaluated customers (codes) and what they bought new after the split."""

    rows: np.ndarray
    bought: np.ndarray  # sorted keys position * product_count + product of the new purchases
    new_count: np.ndarray  # new products per evaluated customer
    segment: np.ndarray  # 'one_order' or 'repeat' as of the split
    product_count: int


def truth_after(purchases: Purchases, history: History, end: dt.date) -> Truth:
    p = purchases
    window = (p.day > day_number(history.cutoff)) & (p.day <= day_number(end))
    customer, product = p.customer[window], p.product[window]
    known = history.order_count[customer] > 0
    customer, product = customer[known], product[known]
    width = history.product_count
    pairs = np.unique(customer * width + product)
    owned = history.owned.tocoo()
    new = pairs[~np.isin(pairs, owned.row.astype(np.int64) * width + owned.col)]
    evaluated, position = np.unique(new // width, return_inverse=True)
    bought = np.sort(position.astype(np.int64) * width + new % width)
    segment = np.where(history.order_count[evaluated] > 1, "repeat", "one_order")
    return Truth(evaluated, bought, np.bincount(position, minlength=len(evaluated)), segment, width)


def hits(ranking: Ranking, truth: Truth) -> np.ndarray:
    """(evaluated, k) bool: the ranking's product at each rank was bought new."""
    if not np.array_equal(ranking.rows, truth.rows):
        raise ValueError("the ranking must list the evaluated customers, in order")
    position = np.arange(len(truth.rows))[:, None]
    keys = position * truth.product_count + ranking.products
    return (ranking.products >= 0) & np.isin(keys, truth.bought)


def metrics(
    hit_matrix: np.ndarray, truth: Truth, ranking: Ranking, catalogue: int, mask=None
) -> dict:
    if mask is None:
        mask = np.ones(len(truth.rows), dtype=bool)
    h = hit_matrix[mask]
    n = int(mask.sum())
    k = h.shape[1]
    if n == 0:
        return {
            "evaluated_customer_count": 0,
            "hit_customer_count": 0,
            "hit_rate": None,
            "precision_at_k": None,
            "recall_at_k": None,
            "ndcg_at_k": None,
            "catalogue_coverage": None,
        }
    hit_count = h.sum(axis=1)
    new = truth.new_count[mask]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (h * discount).sum(axis=1)
    ideal = np.cumsum(discount)[np.minimum(new, k) - 1]
    listed = ranking.products[mask]
    covered = len(np.unique(listed[listed >= 0]))
    return {
        "evaluated_customer_count": n,
        "hit_customer_count": int((hit_count > 0).sum()),
        "hit_rate": float((hit_count > 0).mean()),
        "precision_at_k": float((hit_count / k).mean()),
        "recall_at_k": float((hit_count / new).mean()),
        "ndcg_at_k": float((dcg / ideal).mean()),
        "catalogue_coverage": float(covered / catalogue) if catalogue else None,
    }


def sign_test(method_hit: np.ndarray, baseline_hit: np.ndarray) -> float | None:
    """One-sided p-value that the method hits more customers than the baseline, from the
    customers exactly one of the two hit (None when there are none)."""
    better = int((method_hit & ~baseline_hit).sum())
    worse = int((baseline_hit & ~method_hit).sum())
    if better + worse == 0:
        return None
    return float(stats.binomtest(better, better + worse, 0.5, alternative="greater").pvalue)
