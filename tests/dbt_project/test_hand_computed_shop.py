"""The marts on a shop small enough to check on paper (tests/fixtures/hand_shop.py).

The shop's rhythm: repurchase intervals 15 and 268 (alice), 66 (carol), 333 (dave), median 167
days, so customers turn silent after 167 days but churn after 90 (the default): R against the
rhythm is 5 within 45 days, 4 within 90, 2 within 180, 1 beyond, and R high within 90 days =
alice, dave, frank. Means over the five buyers: frequency 2 orders, monetary ¥390, so F high =
alice, carol, dave; M high = alice, carol, frank. F and M scores with five buyers: rank 1→1,
2→2, 3→3, 4→4, 5→5, ties sharing the first rank of their block.
"""

import datetime as dt
import json
from decimal import Decimal

import duckdb
import pytest

from ingestion.loader import load_landing
from tests.conftest import PII_KEY, query, run_dbt
from tests.fixtures.hand_shop import write_hand_shop

AS_OF = "2026-10-31"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("hand_shop")
    warehouse = tmp_path / "warehouse.duckdb"
    landing = write_hand_shop(tmp_path / "landing")
    with duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, landing, PII_KEY)
    assert report.rows_quarantined == 0
    run_dbt(["build"], warehouse, AS_OF, tmp_path)
    return warehouse


def _by_nick(warehouse) -> dict[str, str]:
    rows = query(
        warehouse,
        "select identifier_value, customer_id from "
        "intermediate.int_identifiers_grouped_into_customers "
        "where identifier_type = 'taobao_nick'",
    )
    return dict(rows)


def test_identity_joins_a_renamed_nick_by_phone_and_name(built):
    ids = _by_nick(built)
    assert ids["dave"] == ids["dave_new"]
    # the profile shows the nick he goes by now
    assert query(
        built, "select preferred_nick from marts.dim_customers where customer_id = ?", [ids["dave"]]
    ) == [("dave_new",)]
    assert len({ids[n] for n in ("alice", "bob", "carol", "dave", "erin", "frank")}) == 6


def test_rfm_values_scores_and_groups(built):
    ids = _by_nick(built)
    rows = query(
        built,
        "select customer_id, recency_days, frequency, monetary_amount, r_score, "
        "f_score, m_score, rfm_group_cn, rfm_group_en from marts.customer_rfm",
    )
    got = {cid: rest for cid, *rest in rows}
    expected = {
        "alice": [11, 3, Decimal("600.00"), 5, 4, 4, "重要价值客户", "important value"],
        "bob": [289, 1, Decimal("50.00"), 1, 1, 1, "一般挽留客户", "general win-back"],
        "carol": [204, 3, Decimal("600.00"), 1, 4, 4, "重要保持客户", "important retain"],
        "dave": [31, 2, Decimal("200.00"), 5, 3, 2, "一般价值客户", "general value"],
        "frank": [1, 1, Decimal("500.00"), 5, 1, 3, "重要发展客户", "important development"],
    }
    assert got == {ids[nick]: values for nick, values in expected.items()}


def test_ltv_historical_and_simple(built):
    ids = _by_nick(built)
    rows = query(
        built,
        "select customer_id, historical_ltv_amount, aov_amount, tenure_days, "
        "simple_clv_amount from marts.customer_ltv",
    )
    got = {cid: rest for cid, *rest in rows}
    expected = {  # tenure under 365 days counts as 365: purchases per year = purchases
        "alice": [Decimal("600.00"), Decimal("200.00"), 295, Decimal("1800.00")],
        "bob": [Decimal("50.00"), Decimal("50.00"), 290, Decimal("150.00")],
        "carol": [Decimal("600.00"), Decimal("200.00"), 271, Decimal("1800.00")],
        "dave": [Decimal("200.00"), Decimal("100.00"), 365, Decimal("600.00")],
        "frank": [Decimal("500.00"), Decimal("500.00"), 2, Decimal("1500.00")],
    }
    assert got == {ids[nick]: values for nick, values in expected.items()}


def test_repurchase_monthly(built):
    rows = query(
        built,
        "select month_start_date, buyer_count, returning_buyer_count, repurchase_rate, "
        "new_customer_count, repurchase_rate_30d, repurchase_rate_60d, "
        "repurchase_rate_90d from marts.repurchase_monthly order by 1",
    )
    d, r = dt.date, Decimal
    assert rows == [
        (d(2025, 11, 1), 1, 0, r("0.0000"), 1, r("0.0000"), r("0.0000"), r("0.0000")),
        (d(2026, 1, 1), 2, 0, r("0.0000"), 2, r("0.5000"), r("0.5000"), r("0.5000")),
        (d(2026, 2, 1), 1, 0, r("0.0000"), 1, r("0.0000"), r("0.0000"), r("1.0000")),
        (d(2026, 4, 1), 1, 1, r("1.0000"), 0, None, None, None),
        (d(2026, 9, 1), 1, 1, r("1.0000"), 0, None, None, None),
        (d(2026, 10, 1), 2, 1, r("0.5000"), 1, None, None, None),
    ]


def test_dim_customers_money_states_and_preferences(built):
    ids = _by_nick(built)
    rows = query(
        built,
        "select customer_id, order_count, purchase_count, purchase_day_count, "
        "paid_revenue_amount, refund_amount, net_revenue_amount, preferred_category, "
        "province, rfm_group_code from marts.dim_customers",
    )
    got = {cid: rest for cid, *rest in rows}
    r = Decimal
    assert got[ids["carol"]] == [
        3,
        3,
        2,
        r("700.00"),
        r("100.00"),
        r("600.00"),
        "锅具",
        "浙江省",
        3,
    ]
    assert got[ids["alice"]] == [3, 3, 3, r("600.00"), r("0.00"), r("600.00"), "锅具", "上海市", 1]
    assert got[ids["erin"]] == [2, 0, 0, r("150.00"), r("150.00"), r("0.00"), None, "广东省", None]
    states = dict(query(built, "select order_id, order_state from marts.fct_orders"))
    assert states["3600000000000010"] == "closed_refunded"
    assert states["3600000000000011"] == "closed_unpaid"
    assert states["3600000000000012"] == "paid"


def test_no_mart_holds_a_raw_phone_name_or_street(built):
    with duckdb.connect(str(built), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
        dump = " ".join(str(con.execute(f"select * from marts.{t}").fetchall()) for (t,) in tables)
    assert "1380000000" not in dump
    assert "张江路" not in dump and "文三路" not in dump


def test_refunds_by_state_customer_and_time_to_finish(built):
    ids = _by_nick(built)
    rows = query(
        built,
        "select refund_id, order_id, customer_id, refund_state, refund_kind, is_full_refund, "
        "refund_amount, hours_to_finish from marts.fct_refunds order by refund_id",
    )
    assert rows == [
        (
            "9600000000000005",
            "3600000000000005",
            ids["carol"],
            "succeeded",
            "after_delivery",
            False,
            Decimal("100.00"),
            26,
        ),
        (
            "9600000000000010",
            "3600000000000010",
            ids["erin"],
            "succeeded",
            "after_delivery",
            True,
            Decimal("150.00"),
            12,
        ),
        (
            "9600000000000012",
            "3600000000000012",
            ids["frank"],
            "requested",
            "after_delivery",
            False,
            Decimal("50.00"),
            None,
        ),
        # its order was never exported: kept, with no customer; the request after the as-of day
        # (9600000000000013) is not there yet
        (
            "9600000000000099",
            "3600000000000099",
            None,
            "closed",
            "after_delivery",
            True,
            Decimal("30.00"),
            48,
        ),
    ]


def test_the_build_runs_every_unit_test(built):
    """The nightly job leaves dbt's unit tests out (NIGHTLY_EXCLUDES); builds like this one are
    where they run, so every unit test in the project must have run here and passed."""
    run_results = json.loads((built.parent / "dbt_target" / "run_results.json").read_text())
    manifest = json.loads((built.parent / "dbt_target" / "manifest.json").read_text())
    ran = {r["unique_id"]: r["status"] for r in run_results["results"]}
    unit_tests = set(manifest["unit_tests"])
    assert len(unit_tests) >= 10
    assert {ran.get(u) for u in unit_tests} == {"pass"}
