"""The demo shop's answer to an outbox: what a coupon takes off, one action per send key across
the channel files, and only the reached people respond, with orders in the shop's shape."""

import pandas as pd
import pytest

from ingestion.demo.campaign_responses import ResponseParams, offer_cents, read_outbox, respond
from ingestion.demo.shop import ShopParams, build_shop


@pytest.mark.parametrize(
    ("offer", "goods", "off"),
    [
        ("85折", 10_000, 1_500),  # 15% off 100 yuan
        ("8折", 10_000, 2_000),
        ("8.5折", 10_000, 1_500),
        ("30元", 10_000, 3_000),
        ("10元无门槛", 5_990, 1_000),
        ("30元", 2_990, 2_890),  # never more than the goods less one yuan
        ("礼品", 10_000, 0),
        ("", 10_000, 0),
    ],
)
def test_offer_cents(offer, goods, off):
    assert offer_cents(offer, goods) == off


def _outbox(folder, shop):
    people = shop.people
    folder.mkdir()
    pd.DataFrame(
        {
            "手机号码": [people.loc[0, "phone"], people.loc[1, "phone"]],
            "优惠": ["30元", "30元"],
            "商品": ["", ""],
            "发送时间": ["2026-11-01 10:00", "2026-11-01 10:00"],
            "send_key": ["a:C1:2026-10-31", "a:C2:2026-10-31"],
        }
    ).to_csv(folder / "sms.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame(
        {
            "旺旺昵称": [people.loc[1, "nick"], people.loc[2, "nick"]],
            "send_key": ["a:C2:2026-10-31", "b:C3:2026-10-31"],
        }
    ).to_csv(folder / "wangwang.csv", index=False, encoding="utf-8-sig")


def test_an_action_on_two_channels_is_one_action_traced_by_number_or_nick(tmp_path):
    shop = build_shop(ShopParams(customers=50, seed=5))
    _outbox(tmp_path / "night", shop)
    actions = read_outbox(tmp_path / "night").set_index("send_key")
    assert list(actions.index) == ["a:C1:2026-10-31", "a:C2:2026-10-31", "b:C3:2026-10-31"]
    assert actions.loc["a:C2:2026-10-31", "mobile"] == shop.people.loc[1, "phone"]
    assert actions.loc["a:C2:2026-10-31", "nick"] == shop.people.loc[1, "nick"]
    assert actions.loc["b:C3:2026-10-31", "audience_name"] == "b"


def test_everyone_reached_responds_at_uplift_one_and_nobody_at_zero(tmp_path):
    shop = build_shop(ShopParams(customers=50, seed=5))
    _outbox(tmp_path / "night", shop)
    actions = read_outbox(tmp_path / "night")
    truth, orders, lines = respond(shop, actions, "2026-10-31", ResponseParams(uplift=1.0))
    assert truth["responded"].all() and list(truth["person_idx"]) == [0, 1, 2]
    assert list(orders["person_id"]) == list(shop.people.loc[[0, 1, 2], "person_id"])
    sent = pd.Timestamp("2026-11-01 10:00")
    assert (orders["created_at"] >= sent).all()
    assert (orders["created_at"] < sent + pd.Timedelta(days=6)).all()
    # the coupon shows on the order: 30 yuan off, paid = goods + postage − 30
    coupon = orders.set_index(truth["send_key"])
    assert coupon.loc["a:C1:2026-10-31", "discount_cents"] == offer_cents(
        "30元", coupon.loc["a:C1:2026-10-31", "goods_cents"]
    )
    assert (orders["paid_cents"] == orders["goods_cents"] + orders["postage_cents"]
            - orders["discount_cents"]).all()  # fmt: skip
    assert (lines["line_paid_cents"] == orders["goods_cents"] - orders["discount_cents"]).all()
    truth, orders, _ = respond(shop, actions, "2026-10-31", ResponseParams(uplift=0.0))
    assert not truth["responded"].any() and orders.empty
    # an audience that does not respond
    truth, _, _ = respond(shop, actions, "2026-10-31", ResponseParams(uplift=1.0, audiences=("b",)))
    assert list(truth["responded"]) == [False, False, True]
