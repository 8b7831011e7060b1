"""Each ranking on baskets small enough to rank by hand."""

import datetime as dt

import numpy as np
import pytest

from recommendations import rankers
from recommendations.history import build_history, purchase_lines
from tests.recommendations.baskets import AS_OF, lines, two_taste_shop

DAY = dt.date(2026, 10, 1)


def history_of(frame, **kwargs):
    return build_history(purchase_lines(frame), AS_OF, half_life_days=180, popularity_days=90)


def listed(history, ranking, row=0):
    return [history.products[p] for p in ranking.products[row] if p >= 0]


# Buyers in the last 90 days: P3 three, P1 and P4 two, P2 and P5 one; c5's P5 is older than
# 90 days and does not count. Categories: A = P1 P2 P3, B = P4 P5.
POPULARITY_SHOP = lines(
    ("c1", "o1", "P3", "A", DAY),
    ("c2", "o2", "P3", "A", DAY),
    ("c3", "o3", "P3", "A", DAY),
    ("c1", "o4", "P1", "A", DAY),
    ("c2", "o5", "P1", "A", DAY),
    ("c3", "o6", "P4", "B", DAY),
    ("c4", "o7", "P4", "B", DAY),
    ("c4", "o8", "P2", "A", DAY),
    ("c4", "o9", "P5", "B", DAY),
    ("c5", "o10", "P5", "B", dt.date(2026, 1, 1)),
)


def test_popularity_lists_the_most_bought_products_the_customer_lacks_ties_by_code():
    history = history_of(POPULARITY_SHOP)
    settings = rankers.RankerSettings(top_k=4)
    ranking = rankers.rank(history, history.rows_of(["c3"]), "popularity", settings)
    # c3 owns P3 and P4: P1 (2 buyers), then P2 and P5 (1 each, by code)
    assert listed(history, ranking) == ["P1", "P2", "P5"]
    assert not ranking.personalised.any()
    assert ranking.products[0, 3] == -1  # nothing left to fill the fourth place with


def test_category_popularity_puts_the_customers_category_first():
    history = history_of(POPULARITY_SHOP)
    settings = rankers.RankerSettings(top_k=3)
    ranking = rankers.rank(history, history.rows_of(["c5"]), "category_popularity", settings)
    # c5 bought only P5 (B): fill = ½ popularity + ½ category share → P4 0.5·⅔ + 0.5 = 0.83,
    # P3 0.5, P1 0.33: B's product first although P3 is the shop's best seller
    assert listed(history, ranking) == ["P4", "P3", "P1"]
    assert ranking.scores[0] == pytest.approx([0.5 * 2 / 3 + 0.5, 0.5, 0.5 * 2 / 3])


def test_pair_neighbours_sum_the_confidence_of_both_relations():
    # same order: P1 in 3 orders, with P2 in 2 and P3 in 1; P2 in 2, P3 in 1.
    # A then B (customers): P1's 3 customers, 1 bought P4 later; P2's 2 customers, 1 did.
    frame = lines(
        ("c1", "o1", "P1", "A", DAY),
        ("c1", "o1", "P2", "A", DAY),
        ("c2", "o2", "P1", "A", DAY),
        ("c2", "o2", "P2", "A", DAY),
        ("c3", "o3", "P1", "A", DAY),
        ("c3", "o3", "P3", "A", DAY),
        ("c1", "o4", "P4", "B", DAY + dt.timedelta(days=20)),
        ("c3", "o5", "P4", "B", DAY + dt.timedelta(days=20)),
    )
    history = history_of(frame)
    settings = rankers.RankerSettings(pair_min_count=1, pair_window_days=90)
    matrix = rankers.pair_neighbours(history, settings).toarray()
    at = {code: i for i, code in enumerate(history.products)}

    def score(a, b):
        return matrix[at[a], at[b]]

    assert score("P1", "P2") == pytest.approx(2 / 3)
    assert score("P2", "P1") == pytest.approx(1.0)
    assert score("P1", "P3") == pytest.approx(1 / 3)
    assert score("P3", "P1") == pytest.approx(1.0)
    # c1 and c3 bought P4 20 days after P1: 2 of P1's 3 customers; c1 after P2: 1 of 2;
    # c3 after P3: 1 of 1
    assert score("P1", "P4") == pytest.approx(2 / 3)
    assert score("P2", "P4") == pytest.approx(1 / 2)
    assert score("P3", "P4") == pytest.approx(1.0)
    assert score("P4", "P1") == 0  # nothing bought after P4

    ranking = rankers.rank(history, history.rows_of(["c2"]), "pairs", settings)
    # c2 owns P1 and P2: P4 = ⅔ + ½, P3 = ⅓ (from P1)
    assert listed(history, ranking)[:2] == ["P4", "P3"]
    assert ranking.personalised[0, :2].all()


def test_pair_neighbours_leave_out_pairs_seen_too_rarely():
    frame = lines(("c1", "o1", "P1", "A", DAY), ("c1", "o1", "P2", "A", DAY))
    history = history_of(frame)
    matrix = rankers.pair_neighbours(history, rankers.RankerSettings(pair_min_count=2))
    assert matrix.nnz == 0


@pytest.mark.parametrize("method", ["item_knn", "als", "pairs"])
def test_personalised_methods_follow_the_taste_not_the_best_sellers(method):
    # 300 home customers make P10..P19 the best sellers; a beauty customer should still be
    # offered beauty products first, and marked personalised
    frame = two_taste_shop(seed=3)
    history = history_of(frame)
    beauty = [c for c in history.customers if int(c[1:]) >= 300]
    ranking = rankers.rank(history, history.rows_of(beauty), method, rankers.RankerSettings())
    first = history.products[ranking.products[:, 0]]
    share = np.isin(first, [f"P{n}" for n in range(20, 30)]).mean()
    assert share > 0.95, f"{method}: only {share:.0%} of beauty customers get beauty first"
    popular = rankers.rank(history, history.rows_of(beauty), "popularity", rankers.RankerSettings())
    assert np.isin(history.products[popular.products[:, 0]], [f"P{n}" for n in range(10, 20)]).all()


@pytest.mark.parametrize("method", rankers.METHODS)
def test_every_list_is_full_distinct_and_new_to_the_customer(method):
    frame = two_taste_shop(seed=5, structured=False)
    history = history_of(frame)
    rows = history.with_history()
    ranking = rankers.rank(history, rows, method, rankers.RankerSettings(top_k=10))
    owned = history.owned.toarray() > 0
    for i, row in enumerate(rows):
        products = ranking.products[i]
        real = products[products >= 0]
        assert len(set(real)) == len(real)
        assert not owned[row, real].any()
        assert len(real) == min(10, history.sold_count - owned[row].sum())
        # personalised products come before filled ones
        flags = ranking.personalised[i][: len(real)]
        assert not (np.diff(flags.astype(int)) > 0).any()


def test_a_customer_who_owns_almost_everything_gets_what_is_left():
    frame = lines(
        *[("c1", "o1", f"P{n}", "A", DAY) for n in range(1, 9)],
        ("c2", "o2", "P9", "A", DAY),
    )
    history = history_of(frame)
    for method in rankers.METHODS:
        ranking = rankers.rank(history, history.rows_of(["c1"]), method, rankers.RankerSettings())
        assert listed(history, ranking) == ["P9"], method


def test_an_unknown_method_is_named_in_the_error():
    history = history_of(POPULARITY_SHOP)
    with pytest.raises(ValueError, match="unknown method 'svd'"):
        rankers.rank(history, np.array([0]), "svd", rankers.RankerSettings())


def test_orders_without_a_customer_still_count_as_baskets_but_get_no_list():
    # as product_pairs: o3 has no customer (identity could not place it), but P1 and P2 were
    # bought together in it, so P1 → P2 has 2 of P1's 3 orders
    frame = lines(
        ("c1", "o1", "P1", "A", DAY),
        ("c1", "o1", "P2", "A", DAY),
        (None, "o3", "P1", "A", DAY),
        (None, "o3", "P2", "A", DAY),
        ("c2", "o4", "P1", "A", DAY),
    )
    history = history_of(frame)
    assert list(history.customers) == ["c1", "c2"]
    matrix = rankers.pair_neighbours(history, rankers.RankerSettings(pair_min_count=1))
    at = {code: i for i, code in enumerate(history.products)}
    assert matrix[at["P1"], at["P2"]] == pytest.approx(2 / 3)
    assert matrix[at["P2"], at["P1"]] == pytest.approx(1.0)
