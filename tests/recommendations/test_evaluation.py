"""The time-split metrics, computed by hand on two customers."""

import datetime as dt
import math

import numpy as np
import pytest

from recommendations import evaluation
from recommendations.history import build_history, purchase_lines
from recommendations.rankers import Ranking
from tests.recommendations.baskets import lines

SPLIT = dt.date(2026, 9, 30)
BEFORE = dt.date(2026, 9, 1)
AFTER = dt.date(2026, 10, 15)

FRAME = lines(
    ("a", "o1", "P1", "A", BEFORE),
    ("b", "o2", "P1", "A", BEFORE),
    ("b", "o3", "P2", "A", BEFORE),
    ("x", "o4", "P3", "A", BEFORE),
    ("x", "o4", "P4", "A", BEFORE),
    # after the split: a buys P3 (known) and P9 (first sold after the split) new, and P1 again;
    # b buys P4 new; x buys only what it had; y had no purchase before the split
    ("a", "o5", "P3", "A", AFTER),
    ("a", "o5", "P9", "A", AFTER),
    ("a", "o5", "P1", "A", AFTER),
    ("b", "o6", "P4", "A", AFTER),
    ("x", "o7", "P3", "A", AFTER),
    ("y", "o8", "P2", "A", AFTER),
    # beyond the window: not counted
    ("b", "o9", "P3", "A", dt.date(2027, 2, 1)),
)


def setup():
    all_lines = purchase_lines(FRAME)
    history = build_history(all_lines, SPLIT, half_life_days=180, popularity_days=90)
    truth = evaluation.truth_after(all_lines, history, SPLIT + dt.timedelta(days=90))
    return history, truth


def test_the_evaluated_are_buyers_before_the_split_who_bought_something_new_after_it():
    history, truth = setup()
    assert list(history.customers[truth.rows]) == ["a", "b"]
    assert list(truth.new_count) == [2, 1]  # a: P3 and P9; b: P4
    assert list(truth.segment) == ["one_order", "repeat"]


def test_hit_rate_precision_recall_ndcg_and_coverage_by_hand():
    history, truth = setup()
    code = {c: i for i, c in enumerate(history.products)}
    # a gets [P2, P3, P4]: P3 at rank 2. b gets [P3, P2, -]: no hit.
    ranking = Ranking(
        rows=truth.rows,
        products=np.array([[code["P2"], code["P3"], code["P4"]], [code["P3"], code["P2"], -1]]),
        scores=np.zeros((2, 3)),
        personalised=np.zeros((2, 3), dtype=bool),
    )
    found = evaluation.metrics(evaluation.hits(ranking, truth), truth, ranking, history.sold_count)
    assert found["evaluated_customer_count"] == 2
    assert found["hit_customer_count"] == 1
    assert found["hit_rate"] == pytest.approx(0.5)
    assert found["precision_at_k"] == pytest.approx((1 / 3 + 0) / 2)
    assert found["recall_at_k"] == pytest.approx((1 / 2 + 0) / 2)  # P9 counts in a's new products
    a_ndcg = (1 / math.log2(3)) / (1 + 1 / math.log2(3))  # ideal: 2 hits at ranks 1 and 2
    assert found["ndcg_at_k"] == pytest.approx(a_ndcg / 2)
    assert found["catalogue_coverage"] == pytest.approx(3 / 4)  # P2 P3 P4 of P1..P4

    one_order = evaluation.metrics(
        evaluation.hits(ranking, truth),
        truth,
        ranking,
        history.sold_count,
        truth.segment == "one_order",
    )
    assert one_order["evaluated_customer_count"] == 1
    assert one_order["hit_rate"] == 1.0


def test_a_ranking_of_other_customers_is_refused():
    history, truth = setup()
    ranking = Ranking(
        truth.rows[::-1], np.zeros((2, 1), int), np.zeros((2, 1)), np.zeros((2, 1), bool)
    )
    with pytest.raises(ValueError, match="evaluated customers"):
        evaluation.hits(ranking, truth)


def test_sign_test_counts_only_the_customers_one_list_hit():
    method = np.array([True] * 10 + [True] * 5 + [False] * 5)
    baseline = np.array([False] * 10 + [True] * 5 + [False] * 5)
    assert evaluation.sign_test(method, baseline) == pytest.approx(0.5**10)
    assert evaluation.sign_test(baseline, method) == pytest.approx(1.0)
    assert evaluation.sign_test(method, method) is None
