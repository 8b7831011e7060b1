"""The loyalty engine end to end over two nights: ten members' points and tiers worked out by
hand (tests/fixtures/loyalty_shop.py says who does what) against the marts dbt builds from
their exports, under the default programme and under a rolling 12-month expiry."""

from decimal import Decimal

import duckdb
import pytest

from ingestion.loader import load_landing
from tests.conftest import PII_KEY, query, run_dbt
from tests.fixtures.loyalty_shop import MEMBERS, NIGHTS, write_loyalty_night

pytestmark = pytest.mark.slow

ROLLING_EXPIRY = {
    "loyalty_programme": {
        "points_per_yuan": 1,
        "birthday_month_multiplier": 2,
        "event_points": [
            {"kind": "review", "match": ["评价"], "points": 10},
            {"kind": "check_in", "match": ["签到"], "points": 1},
            {"kind": "share", "match": ["分享"], "points": 5},
            {"kind": "activity", "match": ["活动"], "points": None},
        ],
        "point_value_yuan": 0.01,
        "expiry": {"policy": "rolling_months", "months": 12},
        "tier_basis": "net_spend",
        "tier_window_months": 12,
        "tier_review": {"schedule": "annual", "month_day": "01-01", "grace_days": 30},
        "near_next_tier_share": 0.1,
        "reconciliation_warn_share": 0.05,
        "tiers": [
            {"name": "普通会员", "threshold": 0, "points_multiplier": 1, "discount": 1,
             "free_shipping_min_amount": None, "birthday_gift": None},
            {"name": "银卡会员", "threshold": 1000, "points_multiplier": 1.2, "discount": 0.98,
             "free_shipping_min_amount": 59, "birthday_gift": None},
            {"name": "金卡会员", "threshold": 3000, "points_multiplier": 1.5, "discount": 0.95,
             "free_shipping_min_amount": 0, "birthday_gift": None},
            {"name": "钻石会员", "threshold": 8000, "points_multiplier": 2, "discount": 0.9,
             "free_shipping_min_amount": 0, "birthday_gift": None},
        ],
    }
}  # fmt: skip
LOYALTY_MODELS = ["run", "-s", "path:models/intermediate/loyalty", "path:models/marts/loyalty"]
MEMBER = {member: nick for nick, (member, _, _) in MEMBERS.items()}


def _night(tmp_path, warehouse, night: int) -> None:
    with duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, write_loyalty_night(tmp_path / "landing", night), PII_KEY)
    assert report.rows_quarantined == 0
    # the loyalty marts and what they are built from, with their tests
    selection = ["-s", "+path:models/marts/loyalty", "--indirect-selection", "cautious"]
    run_dbt(["build", *selection], warehouse, NIGHTS[night - 1], tmp_path)


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """The warehouse after night 1 (a copy) and after night 2, both under the default rules."""
    tmp_path = tmp_path_factory.mktemp("loyalty")
    warehouse = tmp_path / "warehouse.duckdb"
    _night(tmp_path, warehouse, 1)
    # a copy keeps its file name: dbt-duckdb names the catalog after it
    first = tmp_path / "night1" / "warehouse.duckdb"
    first.parent.mkdir()
    first.write_bytes(warehouse.read_bytes())
    _night(tmp_path, warehouse, 2)
    return first, warehouse


def _ledger(warehouse, nick: str) -> list[tuple]:
    return query(
        warehouse,
        "select cast(event_date as varchar), event_kind, points, balance_after"
        " from marts.points_ledger where member_id = ? order by event_at, points_event_key",
        [MEMBERS[nick][0]],
    )


def _members(warehouse) -> dict[str, tuple]:
    rows = query(
        warehouse,
        "select member_id, member_tier, points_balance, is_near_next_tier, points_expiring_30d"
        " from marts.loyalty_members",
    )
    return {MEMBER[member]: tuple(rest) for member, *rest in rows}


def test_every_earn_kind_a_redemption_and_the_year_end_expiry(nights):
    first, _ = nights
    assert _ledger(first, "amy") == [
        ("2024-03-10", "order_earn", 500, 500),
        ("2024-03-15", "review", 10, 510),  # the rules' 10
        ("2024-04-01", "check_in", 1, 511),
        ("2024-04-02", "share", 5, 516),
        ("2024-05-20", "order_earn", 600, 1116),  # 300 in her birthday month, x2
        ("2024-06-01", "activity", 50, 1166),  # as exported
        ("2024-07-01", "redeem", -300, 866),
        ("2025-12-31", "expire", -866, 0),  # what is left of 2024 at the end of 2025
    ]
    assert _ledger(first, "gus") == [
        ("2024-02-01", "order_earn", 100, 100),
        ("2024-03-01", "adjust", 200, 300),
        ("2024-04-01", "adjust", -20, 280),
        ("2025-02-01", "redeem", -250, 30),
        ("2025-12-31", "expire", -30, 0),
    ]
    assert query(
        first,
        "select redemption_kind from marts.points_ledger where event_kind = 'redeem'"
        " order by member_id",
    ) == [("goods",), ("coupon",)]


def test_the_tier_multiplier_is_the_one_held_when_the_day_began(nights):
    first, _ = nights
    assert _ledger(first, "ben") == [
        ("2025-03-01", "order_earn", 800, 800),
        ("2025-04-01", "order_earn", 400, 1200),  # lifts him to 银卡, earned at x1
        ("2025-04-10", "clawback", -150, 1050),  # 150 of 400 refunded: 150 of 400 points
        ("2025-05-01", "order_earn", 120, 1170),  # x1.2
    ]
    assert _ledger(first, "ivy") == [
        ("2025-07-01", "order_earn", 16000, 16000),  # 8,000 in July: birthday x2, tier x1
        ("2025-09-01", "order_earn", 1000, 17000),  # 钻石 x2
    ]


def test_full_and_partial_refunds_are_clawed_back_across_nights(nights):
    first, second = nights
    assert _ledger(first, "cai") == [
        ("2025-06-01", "order_earn", 200, 200),
        ("2025-06-05", "clawback", -200, 0),
    ]
    assert _ledger(first, "hal") == [
        ("2025-08-01", "order_earn", 600, 600),
        ("2025-08-05", "clawback", -200, 400),
    ]
    assert _ledger(second, "hal") == [
        ("2025-08-01", "order_earn", 600, 600),
        ("2025-08-05", "clawback", -200, 400),
        ("2026-01-25", "clawback", -400, 0),  # the rest refunded: all 600 back
    ]


def test_downgrades_wait_for_the_review_and_its_grace(nights):
    first, second = nights
    tonight = {nick: tier for nick, (tier, *_) in _members(first).items()}
    # night 1 (2026-01-15) is inside the grace of the 2026-01-01 review: nobody is down yet
    assert {nick: tonight[nick] for nick in ("dan", "eva", "fay", "ben", "ivy")} == {
        "dan": "金卡会员",
        "eva": "金卡会员",
        "fay": "金卡会员",
        "ben": "银卡会员",
        "ivy": "钻石会员",
    }
    history = query(
        second,
        "select member_id, cast(valid_from_date as varchar), member_tier, change_kind,"
        " cast(valid_to_date as varchar) from marts.member_tier_history"
        " where member_id in ('L04', 'L05', 'L06') order by 1, 2",
    )
    assert history == [
        ("L04", "2024-01-01", "普通会员", "joined", "2024-11-20"),
        ("L04", "2024-11-20", "金卡会员", "upgrade", "2026-01-31"),
        ("L04", "2026-01-31", "普通会员", "downgrade", None),  # nothing earned back
        ("L05", "2024-01-01", "普通会员", "joined", "2024-12-01"),
        ("L05", "2024-12-01", "金卡会员", "upgrade", "2026-01-31"),
        ("L05", "2026-01-31", "银卡会员", "downgrade", None),  # 1,200 in the grace
        ("L06", "2024-01-01", "普通会员", "joined", "2024-12-15"),
        ("L06", "2024-12-15", "金卡会员", "upgrade", None),  # 3,100 in the grace: kept
    ]
    # eva's order inside the grace earned at the 金卡 rate she still held; fay's too
    assert _ledger(second, "eva")[-1] == ("2026-01-10", "order_earn", 1800, 1800)
    assert _ledger(second, "fay")[-1] == ("2026-01-20", "order_earn", 4650, 4650)
    assert query(
        second,
        "select member_id, change_kind, previous_member_tier, member_tier, is_tonight"
        " from marts.member_tier_changes where changed_date = '2026-01-31' order by 1",
    ) == [
        ("L04", "downgrade", "金卡会员", "普通会员", False),
        ("L05", "downgrade", "金卡会员", "银卡会员", False),
    ]


def test_the_audience_feeds(nights):
    first, second = nights
    # jay is 50 short of 银卡 until his order leaves the window on 2026-01-20
    assert _members(first)["jay"] == ("普通会员", 950, True, 0)
    assert _members(second)["jay"] == ("普通会员", 950, False, 0)
    # balances tonight
    assert {nick: row[1] for nick, row in _members(second).items()} == {
        "amy": 0,
        "ben": 1170,
        "cai": 0,
        "dan": 0,
        "eva": 1800,
        "fay": 4650,
        "gus": 0,
        "hal": 0,
        "ivy": 17000,
        "jay": 950,
    }


def test_balances_per_day(nights):
    _, second = nights
    assert query(
        second,
        "select cast(balance_date as varchar), credited_points, debited_points, points_balance,"
        " cast(valid_to_date as varchar) from marts.member_points_balances"
        " where member_id = 'L02' order by balance_date",
    ) == [
        ("2025-03-01", 800, 0, 800, "2025-04-01"),
        ("2025-04-01", 400, 0, 1200, "2025-04-10"),
        ("2025-04-10", 0, 150, 1050, "2025-05-01"),
        ("2025-05-01", 120, 0, 1170, None),
    ]


def test_reconciliation_names_each_fault_of_the_tool(nights):
    first, second = nights
    sql = (
        "select member_id, points_difference, points_mismatch_reason, exported_member_tier,"
        " computed_member_tier, tier_mismatch_reason from marts.member_loyalty_reconciliation"
        " where points_mismatch_reason <> 'matches' or tier_mismatch_reason <> 'matches'"
        " order by 1"
    )
    assert query(first, sql) == [
        ("L02", 150, "refund_not_clawed_back", "银卡会员", "银卡会员", "matches"),
        ("L04", 3500, "expiry_not_applied", "金卡会员", "金卡会员", "matches"),
    ]
    assert query(second, sql) == [
        ("L02", 150, "refund_not_clawed_back", "银卡会员", "银卡会员", "matches"),
        ("L04", 3500, "expiry_not_applied", "金卡会员", "普通会员", "downgrade_not_applied"),
        ("L05", 0, "matches", "金卡会员", "银卡会员", "downgrade_not_applied"),
        ("L08", 400, "refund_not_clawed_back", "普通会员", "普通会员", "matches"),
    ]


def test_programme_metrics(nights):
    _, second = nights
    months = query(
        second,
        "select cast(month_start_date as varchar), earned_points, redeemed_points,"
        " expired_points, clawed_back_points, outstanding_points, points_liability_amount,"
        " redemption_rate_to_date, breakage_rate_to_date from marts.loyalty_points_monthly"
        " where month_start_date >= '2025-12-01' order by 1",
    )
    assert months == [
        # 2024's leftovers expire: amy 866, dan 3,500, eva 3,200, fay 3,000, gus 30
        ("2025-12-01", 0, 0, 10596, 0, 19520, Decimal("195.20"), Decimal("0.0180"),
         Decimal("0.3476")),
        # eva 1,800 and fay 4,650 earned, hal's 400 clawed back; of the 37,486 points earned
        # less 950 clawed back, 550 were redeemed and 10,596 expired
        ("2026-01-01", 6450, 0, 0, 400, 25570, Decimal("255.70"), Decimal("0.0151"),
         Decimal("0.2900")),
        ("2026-02-01", 0, 0, 0, 0, 25570, Decimal("255.70"), Decimal("0.0151"),
         Decimal("0.2900")),
    ]  # fmt: skip
    assert query(
        second,
        "select member_tier, member_count, points_balance from marts.loyalty_tier_summary"
        " order by tier_rank",
    ) == [
        ("普通会员", 6, 950),
        ("银卡会员", 2, 2970),
        ("金卡会员", 1, 4650),
        ("钻石会员", 1, 17000),
    ]


def test_a_rolling_expiry_dates_each_lot_a_year_after_it_was_earned(nights, tmp_path):
    first, second = nights
    for source, as_of in ((first, NIGHTS[0]), (second, NIGHTS[1])):
        copy = tmp_path / as_of / "warehouse.duckdb"
        copy.parent.mkdir()
        copy.write_bytes(source.read_bytes())
        run_dbt(LOYALTY_MODELS, copy, as_of, tmp_path, variables=ROLLING_EXPIRY)
        if source is first:
            # jay's 950 of 2025-01-20 expire on 2026-01-20, within 30 days of night 1
            assert _members(copy)["jay"] == ("普通会员", 950, True, 950)
    assert query(
        copy,
        "select member_id, cast(event_date as varchar), points from marts.points_ledger"
        " where event_kind = 'expire' order by 1, 2",
    ) == [
        # amy: the 300 redeemed took the oldest lot first, so 200 of the 500 expire, then
        # each later lot whole, a year after it was earned
        ("L01", "2025-03-10", -200),
        ("L01", "2025-03-15", -10),
        ("L01", "2025-04-01", -1),
        ("L01", "2025-04-02", -5),
        ("L01", "2025-05-20", -600),
        ("L01", "2025-06-01", -50),
        ("L04", "2025-11-20", -3500),
        ("L05", "2025-12-01", -3200),
        ("L06", "2025-12-15", -3000),
        # gus: the 250 redeemed on the day his first lot expired were taken from it first
        ("L07", "2025-03-01", -30),
        ("L10", "2026-01-20", -950),
    ]
