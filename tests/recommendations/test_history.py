"""Coding the purchase lines: a chunk at a time gives what the whole frame gives."""

import dataclasses

import numpy as np

from recommendations.history import purchase_lines, purchases_from_chunks
from tests.recommendations.baskets import two_taste_shop


def test_coding_in_chunks_gives_the_same_purchases_as_the_whole_frame():
    frame = two_taste_shop(seed=21)
    frame.loc[frame.index[::50], "customer_id"] = None  # orders identity could not place
    frame.loc[frame.index[::70], "category_name"] = None
    whole = purchase_lines(frame)
    # the warehouse's rows come back in any order, in chunks of any size
    shuffled = frame.sample(frac=1.0, random_state=4)
    chunked = purchases_from_chunks(
        shuffled.iloc[start : start + 997] for start in range(0, len(shuffled), 997)
    )
    assert len(whole.anonymous_order) > 0
    for field in dataclasses.fields(whole):
        mine, theirs = getattr(chunked, field.name), getattr(whole, field.name)
        assert np.array_equal(mine, theirs), field.name
    assert list(whole.products) == sorted(frame["merchant_code"].unique())
    assert "unknown" in whole.categories


def test_no_lines_code_to_an_empty_shop():
    frame = two_taste_shop(seed=22).iloc[:0]
    purchases = purchases_from_chunks([frame, frame])
    assert len(purchases.customers) == len(purchases.customer) == 0
    assert purchases.first_day is None
