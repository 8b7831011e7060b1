"""One order, several sources: the marts take each order once, its state from the newest
observation and its buyer from whichever source names one (tests/fixtures/modern_sources.py)."""

from decimal import Decimal

import duckdb
import pytest

from ingestion.loader import load_landing
from tests.conftest import NIGHTLY_BUILD, PII_KEY, query, run_dbt
from tests.fixtures.modern_sources import write_modern_sources

AS_OF = "2026-10-31"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("modern_sources")
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, write_modern_sources(tmp_path / "landing"), PII_KEY)
    assert report.rows_quarantined == 0 and report.count("loaded") == 17
    run_dbt(NIGHTLY_BUILD, warehouse, AS_OF, tmp_path)
    return warehouse


def test_each_order_once_with_state_money_and_source(built):
    rows = query(
        built,
        """
        select order_id, source_system, channel, order_state, paid_amount, refund_amount,
               net_revenue_amount
        from marts.fct_orders order by order_id
        """,
    )
    assert rows == [
        # workbook (newest) over the 2022 CSV: completed, paid = its two sub-orders
        ("3700000000000001", "taobao_export", "taobao", "completed", Decimal("210.00"), 0, 210),
        ("3700000000000002", "taobao_suborder_export", "taobao", "completed", 99, 0, 99),
        ("3700000000000003", "taobao_suborder_export", "taobao", "paid", 45, 0, 45),
        ("3700000000000004", "top_api", "tmall", "completed", 88, 0, 88),
        # the TOP dump (newer) over the sub-order CSV: closed after a full refund
        ("3700000000000005", "top_api", "tmall", "closed_refunded", 120, 120, 0),
        # only the ERP has it: an offline sale, ¥100 refunded through an ERP 售后单
        ("6900000000000001", "douyin_export", "douyin", "completed", 89, 0, 89),
        ("ERP-wdt_outbound-JYOFF1", "erp", "erp_offline", "completed", 300, 100, 200),
    ]


def test_buyers_come_from_whichever_source_names_them(built):
    customer = dict(query(built, "select order_id, customer_id from marts.fct_orders"))
    gina, henry = customer["3700000000000001"], customer["3700000000000004"]
    assert gina is not None and henry is not None and gina != henry
    # the 2022 CSV's nick survives the workbook copy that has none; the 发货报表 phone links
    # the sub-order-only order to her
    assert customer["3700000000000002"] == gina
    # never shipped: only the ERP names its buyer
    ivy = customer["3700000000000003"]
    assert ivy is not None and ivy not in (gina, henry)
    # the offline sale is hers by the phone the store took
    assert customer["ERP-wdt_outbound-JYOFF1"] == gina
    # the TOP nick and the 发货报表 phone meet on one order
    assert customer["3700000000000005"] == henry
    # three buyers; the member no order knows (M002) and the survey's stranger are customers too,
    # who have not ordered (the identity graph knows everyone it has an identifier for)
    assert query(
        built,
        "select count(*), count(case when order_count > 0 then 1 end) from marts.dim_customers",
    ) == [(5, 3)]


def test_lines_and_refunds_are_kept_once(built):
    assert query(
        built, "select order_id, count(*) from marts.fct_order_lines group by 1 order by 1"
    ) == [
        ("3700000000000001", 2),
        ("3700000000000002", 1),
        ("3700000000000003", 1),
        ("3700000000000004", 1),
        ("3700000000000005", 1),
        ("6900000000000001", 1),
        ("ERP-wdt_outbound-JYOFF1", 2),
    ]
    assert query(
        built,
        "select refund_id, source_system, refund_state, refund_amount, channel"
        " from marts.fct_refunds order by refund_id",
    ) == [
        ("9700000000000005", "top_api", "succeeded", 120, "tmall"),
        ("ERP-TH1", "erp", "succeeded", 100, "erp_offline"),
    ]


def test_loyalty_members_points_and_surveys(built):
    customer = dict(query(built, "select order_id, customer_id from marts.fct_orders"))
    gina, henry = customer["3700000000000001"], customer["3700000000000004"]
    members = query(
        built,
        "select member_id, customer_id, exported_member_tier, exported_points_balance,"
        " member_tier, points_balance, birth_month, birth_day, age_band, has_wechat_unionid"
        " from marts.loyalty_members order by 1",
    )
    m002 = members[1][1]
    # The list says 金卡 and 1,200; the default rules compute gina's own: her orders as a member
    # (joined 2023-03-01) are 99 yuan on 2024-03-01 and 300 on 2024-07-20, a third refunded,
    # so 99 + 300 - 100 clawed back - 300 the tool says she redeemed on 2024-05-01 = -1 (she
    # spent points the rules never gave her) on the lowest tier (net spend 299 < 1,000).
    assert members == [
        ("M001", gina, "金卡", 1200, "普通会员", -1, 5, 1, "35_44", True),
        ("M002", m002, "普通会员", 0, "普通会员", 0, None, None, "unknown", False),
    ]
    # M002 is a customer of her own, who has not ordered
    assert m002 not in (None, gina, henry)
    assert query(
        built, "select order_count from marts.dim_customers where customer_id = ?", [m002]
    ) == [(0,)]
    # The exported earn (kept once though exported twice) and expiry are the tool's: the ledger
    # computes its own; the redemption passes through. The 2024 lots (99, and 300 less the 100
    # clawed back) would expire at the end of 2025, but the 300 redeemed took the oldest first.
    assert query(
        built,
        "select event_kind, points, balance_after, customer_id, source from marts.points_ledger"
        " order by event_at",
    ) == [
        ("order_earn", 99, 99, gina, "computed"),
        ("redeem", -300, -201, gina, "exported"),
        ("order_earn", 300, 99, gina, "computed"),
        ("clawback", -100, -1, gina, "computed"),
    ]
    # The list's 1,200 is not what its own ledger adds up to (300 - 300 - 50): unknown; 金卡 is
    # not a tier of the programme.
    assert query(
        built,
        "select member_id, points_difference, unclawed_refund_points, unapplied_expiry_points,"
        " earn_difference_points, points_mismatch_reason, tier_mismatch_reason"
        " from marts.member_loyalty_reconciliation order by 1",
    ) == [
        ("M001", 1201, 100, -50, -99, "unknown", "tier_not_in_programme"),
        ("M002", 0, 0, 0, 0, "matches", "matches"),
    ]
    # survivorship: the member list's birthday and gender for gina, the WeCom contact's for henry
    assert query(
        built,
        "select customer_id, preferred_nick, gender, birth_month, birth_day, age_band"
        " from marts.dim_customers where customer_id in (?, ?) order by preferred_nick",
        [gina, henry],
    ) == sorted(
        [
            (gina, "gina", "female", 5, 1, "35_44"),
            (henry, "henry", "male", None, None, "unknown"),
        ],
        key=lambda row: row[1],
    )
    answers = query(
        built,
        "select score, nps_category, customer_id from marts.survey_responses order by answered_at",
    )
    stranger = answers[2][2]
    assert answers == [(9, "promoter", gina), (5, "detractor", henry), (7, "passive", stranger)]
    assert stranger not in (None, gina, henry, m002)


def test_social_profile_links_wecom_by_noted_phone_and_wechat_by_unionid(built):
    customer = dict(query(built, "select order_id, customer_id from marts.fct_orders"))
    gina, henry = customer["3700000000000001"], customer["3700000000000004"]
    rows = {
        r[0]: r[1:]
        for r in query(
            built,
            "select customer_id, is_wecom_contact, wecom_employee_count, wecom_first_add_way,"
            " wecom_tags, is_wechat_follower, wechat_subscribe_scene"
            " from marts.customer_social_profile",
        )
    }
    assert rows == {
        # WeCom by the phone zhangsan noted; WeChat by the unionid on her member record
        gina: (True, 1, "qr_code", "VIP", True, "ADD_SCENE_QR_CODE"),
        # WeCom by phone; the unionid on his WeCom contact finds his (ended) WeChat follow
        henry: (True, 1, "business_card", None, False, None),
    }


def test_dim_products_from_the_product_list_and_sales(built):
    assert query(
        built,
        "select merchant_code, category_name, is_in_product_list, purchase_orders, units_sold"
        " from marts.dim_products order by 1",
    ) == [
        # the offline sale's 马克杯
        ("CUP-1", "unknown", False, 1, 1),
        # 3700…01 (two sub-orders), …02, …03, …04, the 抖店 order and the offline sale; …05
        # was refunded in full, so it is no purchase
        ("PAN-1", "unknown", False, 6, 7),
    ]
