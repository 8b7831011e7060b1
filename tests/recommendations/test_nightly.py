"""The night's choice of method per segment, on shops with and without a taste to learn."""

import pandas as pd

from predictions import tables
from recommendations import nightly, rankers
from tests.recommendations.baskets import AS_OF, lines, products_of, two_taste_shop

QUICK = nightly.CrossSellSettings(ranker=rankers.RankerSettings(als_iterations=5))


def run(frame, settings=QUICK):
    return nightly.run(frame, products_of(frame), AS_OF, settings)


def test_a_shop_with_tastes_gets_a_personalised_method_for_its_repeat_buyers():
    result = run(two_taste_shop(seed=11))
    repeat = result.selection.set_index("segment").loc["repeat"]
    assert repeat["chosen_method"] in ("pairs", "item_knn", "als")
    assert repeat["selected_on"] == "earlier_window"
    assert repeat["chosen_hit_rate"] > repeat["popularity_hit_rate"]
    assert repeat["p_value_vs_popularity"] < 0.05
    # the choice holds on the last 90 days it did not see
    assert repeat["confirmation_hit_rate"] >= repeat["confirmation_popularity_hit_rate"]
    assert result.notes == []

    windows = set(result.evaluation["evaluation_window"])
    assert windows == {"selection", "confirmation"}
    methods = set(result.evaluation["method"])
    assert methods == set(rankers.METHODS)
    lists = result.next_products
    repeat_lists = lists[lists["segment"] == "repeat"]
    assert (repeat_lists["method"] == repeat["chosen_method"]).all()
    assert lists.groupby("customer_id").size().eq(10).all()
    assert lists["product_name"].str.startswith("name of ").all()
    assert (lists["as_of_date"] == AS_OF).all()


def test_a_shop_without_tastes_keeps_popularity_and_says_why():
    result = run(two_taste_shop(seed=12, structured=False))
    repeat = result.selection.set_index("segment").loc["repeat"]
    # a personalised method may edge ahead by luck, but not beyond it
    assert repeat["chosen_method"] in ("popularity", "category_popularity"), repeat["reason"]
    assert "popularity" in repeat["reason"]


def test_one_window_of_history_is_chosen_and_reported_on_that_window():
    frame = two_taste_shop(seed=13, days=150)
    result = run(frame)
    assert set(result.evaluation["evaluation_window"]) == {"confirmation"}
    assert set(result.selection["selected_on"]) == {"same_window"}
    assert result.selection["reason"].str.contains("one window only").all()


def test_a_month_of_history_gets_the_cold_start_rule_with_a_reason():
    frame = two_taste_shop(seed=14, days=40)
    result = run(frame)
    assert result.evaluation.empty
    # the tables keep their declared columns when there is nothing to evaluate
    for name, frame in (
        ("cross_sell_evaluation", result.evaluation),
        ("cross_sell_model_selection", result.selection),
        ("customer_next_products", result.next_products),
    ):
        tables.table(name).conform(frame)
    assert set(result.selection["chosen_method"]) == {"category_popularity"}
    assert set(result.selection["selected_on"]) == {"not_evaluated"}
    assert any("too short" in note for note in result.notes)
    assert not result.next_products.empty
    assert (result.next_products["method"] == "category_popularity").all()


def test_too_few_customers_to_tell_methods_apart_get_the_cold_start_rule():
    frame = two_taste_shop(seed=15)
    few = frame[frame["customer_id"].isin([f"c{n:03d}" for n in range(0, 400, 20)])]
    result = run(few)
    for row in result.selection.itertuples():
        assert row.chosen_method == "category_popularity"
        assert "fewer than the 30 needed" in row.reason


def test_a_shop_with_no_purchases_writes_empty_tables():
    empty = lines()
    result = nightly.run(
        empty,
        pd.DataFrame(columns=["merchant_code", "product_name", "category_name"]),
        AS_OF,
        QUICK,
    )
    assert result.next_products.empty
    assert result.evaluation.empty
    # the tables keep their declared columns when there is nothing to evaluate
    for name, frame in (
        ("cross_sell_evaluation", result.evaluation),
        ("cross_sell_model_selection", result.selection),
        ("customer_next_products", result.next_products),
    ):
        tables.table(name).conform(frame)
    assert set(result.selection["chosen_method"]) == {"category_popularity"}


def test_the_same_purchases_give_the_same_tables():
    frame = two_taste_shop(seed=16)
    first, second = run(frame), run(frame.sample(frac=1.0, random_state=1))
    pd.testing.assert_frame_equal(first.next_products, second.next_products)
    pd.testing.assert_frame_equal(first.evaluation, second.evaluation)
    pd.testing.assert_frame_equal(first.selection, second.selection)
