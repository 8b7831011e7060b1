"""The demo generator: deterministic, real-format, with the hard cases and a truthful ground truth."""

import hashlib
import re

import numpy as np
import pandas as pd

from ingestion.demo.exports import write_exports, write_ground_truth
from ingestion.demo.shop import ShopParams, build_shop
from ingestion.sources.csv_reading import detect_encoding

EXCEL_TIME = re.compile(r'"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}"')
SMALL = ShopParams(customers=300, seed=11)


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes_other_seed_other_shop(tmp_path):
    write_exports(build_shop(SMALL), tmp_path / "a")
    write_exports(build_shop(SMALL), tmp_path / "b")
    write_exports(build_shop(ShopParams(customers=300, seed=12)), tmp_path / "c")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_exports_mix_generations_encodings_and_quirks(tmp_path):
    files = write_exports(build_shop(ShopParams(customers=1500, seed=3)), tmp_path)
    encodings = {detect_encoding(p) for p in files}
    assert {"gb18030", "utf-8-sig"} <= encodings
    old = next(p for p in files if p.name.startswith("ExportOrderList2019"))
    text = old.read_bytes().decode("gb18030")
    assert '"收货地址 "' in text and '="35' in text and "'1" in text and "元" in text
    assert "No:" in text
    old_lines = next(p for p in files if p.name.startswith("ExportOrderDetailList2019"))
    assert old_lines.read_bytes().decode("gb18030").splitlines()[1].endswith(",")
    privacy = next(p for p in files if p.name.startswith("ExportOrderList2022"))
    assert "买家会员昵称" in privacy.read_text(encoding="utf-8-sig")
    # 2023: the 千牛 workbook; 2024 on: the sub-order CSV with a 发货报表 beside it; last: TOP
    assert any(p.name.startswith("ExportOrderList2023") and p.suffix == ".xlsx" for p in files)
    suborders = next(p for p in files if p.name.startswith("ExportOrderList2026"))
    assert suborders.read_text(encoding="utf-8-sig").startswith('"子订单编号","主订单编号"')
    assert any(p.name.startswith("发货报表2026") for p in files)
    assert any(p.name.startswith("TopTradesIncrement") for p in files)
    resaved = [
        p
        for p in files
        if p.name.startswith("ExportOrderList")
        and p.suffix == ".csv"
        and EXCEL_TIME.search(p.read_bytes().decode(detect_encoding(p)))
    ]
    assert resaved, "some exports must carry Excel re-saved timestamps like 2019/3/5 8:07"


def test_all_order_states_and_money_are_present():
    shop = build_shop(ShopParams(customers=1500, seed=3))
    assert set(shop.orders["outcome"]) == {"completed", "abandoned", "refunded", "partial_refund"}
    assert (shop.orders.loc[shop.orders["outcome"] == "abandoned", "paid_at"].isna()).all()
    lines_paid = shop.lines.groupby("order_idx")["line_paid_cents"].sum()
    goods_less_discount = shop.orders["goods_cents"] - shop.orders["discount_cents"]
    assert (lines_paid.to_numpy() == goods_less_discount.to_numpy()).all()


def test_buying_follows_a_heterogeneous_buy_till_you_die_process():
    shop = build_shop(ShopParams(customers=3000, seed=5))
    purchases = shop.orders[~shop.orders["is_split_part"]].groupby("person_id").size()
    share_once = (purchases == 1).mean()
    assert 0.25 < share_once < 0.7  # many one-time buyers …
    assert purchases.quantile(0.95) >= 8  # … and a heavy tail of loyal ones
    lam = shop.people.set_index("person_id")["lam"]
    top, bottom = lam > lam.quantile(0.8), lam < lam.quantile(0.2)
    per_person = purchases.reindex(lam.index, fill_value=0)
    assert per_person[top].mean() > 2 * per_person[bottom].mean()


def test_ground_truth_knows_every_identifier_and_the_hard_cases(tmp_path):
    shop = build_shop(ShopParams(customers=3000, seed=5))
    truth = shop.identities
    nicks = set(truth.loc[truth["identifier_type"] == "taobao_nick", "identifier_value"])
    assert set(shop.orders["buyer_nick"]) <= nicks
    per_person = truth[truth["identifier_type"] == "taobao_nick"].groupby("person_id").size()
    assert (per_person > 1).any(), "some people changed their nick"
    phones = truth[truth["identifier_type"] == "phone"].groupby("person_id").size()
    assert (phones > 1).any(), "some people use a second phone"
    shared = truth[truth["identifier_type"] == "alipay_account"].groupby("identifier_value")
    assert (shared["person_id"].nunique() > 1).any(), "some Alipay accounts are shared"
    write_ground_truth(shop, tmp_path / "truth")
    assert (tmp_path / "truth" / "identities.csv").stat().st_size > 0
    assert np.isfinite(shop.people["lam"]).all()


def test_refund_reports_follow_the_orders_they_refund(tmp_path):
    """Every refund belongs to a paid order of the shop, never exceeds what was paid, and shows
    the later state in a later export (asked, then refunded)."""
    from decimal import Decimal

    from ingestion.sources.spec import parse_file
    from ingestion.sources.taobao_exports import REFUNDS

    shop = build_shop(ShopParams(customers=1500, seed=3))
    files = write_exports(shop, tmp_path)
    was_paid = shop.orders[shop.orders["paid_at"].notna()]
    paid = {
        order_id: Decimal(cents) / 100
        for order_id, cents in zip(was_paid["order_id"], was_paid["paid_cents"], strict=True)
    }
    refunds, generations = {}, set()
    for path in sorted(p for p in files if p.name.startswith("ExportRefundList")):
        parsed = parse_file(REFUNDS, path)
        generations.add(parsed.generation)
        for row in parsed.items:
            values = row.values
            assert values["refund_amount"] <= paid[values["order_id"]], values["refund_id"]
            refunds.setdefault(values["refund_id"], []).append(values["refund_status"])
    assert generations == {"2017_refund_42col", "2024_refund"}
    assert len(refunds) > 50
    progressed = [s for s in refunds.values() if len(s) > 1 and s[0] != s[-1]]
    assert progressed and all(s[-1] == "退款成功" for s in progressed)


def test_the_member_tools_tier_is_the_highest_12_month_spend_ever_reached():
    """Hand-computed tiers (银卡 from ¥1,000, 金卡 from ¥3,000 in 12 months): a spend that falls
    out of the window keeps the tier it reached; one 12 calendar months and a second apart does
    not add up; an unpaid order counts at its creation time; postage never counts."""
    from ingestion.demo.loyalty_social import _exported_tiers

    def order(person, paid, cents, postage=0, created=None):
        return {
            "person_id": person,
            "paid_at": pd.Timestamp(paid) if paid else pd.NaT,
            "created_at": pd.Timestamp(created or paid),
            "paid_cents": cents,
            "postage_cents": postage,
        }

    orders = pd.DataFrame(
        [
            # 2: ¥600 + ¥500 within a year reaches 银卡, then ¥2,000 two years on stays 银卡
            order(2, "2024-01-10 10:00:00", 60_000),
            order(2, "2024-11-10 10:00:00", 50_000),
            order(2, "2026-06-01 10:00:00", 90_000),
            # 1: ¥2,000 on 29 Feb, ¥1,000 on 28 Feb a year on (12 months back: 28 Feb) = 金卡
            order(1, "2024-02-29 10:00:00", 200_000),
            order(1, "2025-02-28 10:00:00", 100_000),
            # 3: the same dates a second too late: 12 months and a second apart, 银卡 only
            order(3, "2024-03-01 09:59:59", 200_000),
            order(3, "2025-03-01 10:00:00", 100_000),
            # 4: unpaid, at its creation time; ¥999.99 of goods and ¥20 postage: 普通
            order(4, None, 99_999 + 2_000, postage=2_000, created="2025-05-05 12:00:00"),
        ]
    )
    assert _exported_tiers(orders).to_dict() == {
        1: "金卡会员",
        2: "银卡会员",
        3: "银卡会员",
        4: "普通会员",
    }
