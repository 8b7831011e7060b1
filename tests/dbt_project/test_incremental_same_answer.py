"""Incremental nights give the answer full builds give: the same nights, with the late data a real
shop has, built incrementally (`dbt build`) in one warehouse and with `--full-refresh` in another,
leave every mart identical, night after night.

  night 1 (2026-10-31): the hand-computed shop (tests/fixtures/hand_shop.py)
  night 2 (2026-11-01): alice buys again and gina's first order arrives; their 宝贝报表 is late
  night 3 (2026-11-02): night 2's 宝贝报表 arrives a day late, and a re-export of old orders
          changes their states: frank's order (paid, not shipped) is received, bob's January
          order is closed after a full refund, gina's order goes to another phone
  night 4 (2026-11-03): a refund of alice's October order, weeks after it; a member with bob's
          nick whose WeCom contact was noted with carol's phone merges two old customers;
          the ERP's order for a Taobao sub-order no platform file has shown: an order of its own;
          hana orders with alice's phone: the phone crosses its household limit (two nicks) and
          stops linking, on alice's old orders too; frank_new orders with frank's phone and
          name: frank renamed, his nick is freed from tonight
  night 5 (2026-11-04): the sub-order export that shows it: the ERP's order becomes that order;
          alice orders from a new phone, so her nick is alive when hana's was: alice's old
          phone, on no order of the night, now has two nicks in use at once; frank orders
          again as frank after frank_new did: two nicks in use at once, no rename after all
  night 6 (2026-11-05): nothing new

History models (contact history, audiences, identity changes, segment snapshots) are never
rebuilt by --full-refresh (full_refresh=false): both warehouses carry them forward night by
night, so any difference in what a night adds to them shows.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
import pytest

from ingestion.copy_to_postgres import copy_raw_schema
from ingestion.loader import load_landing
from ingestion.sources.erp_headers import WDT_ORDERS_HEADER
from ingestion.sources.taobao_headers import LINES_2017, LINES_2020, ORDERS_2018, REFUNDS_2017
from tests.conftest import (
    PII_KEY,
    pg_dsn,
    postgres_answers,
    query,
    run_dbt,
    unique_database_name,
    write_export,
    write_wecom_contact,
)
from tests.fixtures.hand_shop import NAMES, PHONES, write_hand_shop

pytestmark = pytest.mark.slow

# Models, seeds and snapshots; the data tests and unit tests are other suites' business and
# would only double the time of twenty builds.
BUILD = ["build", "--exclude-resource-type", "test", "unit_test"]
GINA = ("gina", "13800000007", "吉娜")
GINA_NEW_PHONE = "13800000017"
# Incremental intermediate models compared row by row too (their build stamps left out).
INCREMENTAL_INTERMEDIATES = {
    "int_identifier_observations_unioned": (
        "source, record_key, identifier_type, identifier_value, observed_at"
    ),
    "int_identifier_observations": (
        "source, record_key, identifier_type, identifier_value, observed_at, freed_at"
    ),
    "int_identifiers_assessed": (
        "identifier_type, identifier_value, node_key, sources, first_seen_at, last_seen_at, "
        "record_count, group_of, group_size, max_concurrent, link_status"
    ),
}
HANA = ("hana", "13800000001", "哈娜")  # alice's phone, her own name
ALICE_NEW_PHONE = "13800000011"
MEMBERS = ["会员编号", "手机号", "淘宝会员名", "unionid", "会员等级", "积分余额", "入会时间"]


def _order(order_id, nick, created, amount, status, *, phone=None, name=None, received=""):
    return {
        "订单编号": f'="{order_id}"',
        "买家会员名": nick,
        "买家应付货款": amount,
        "买家应付邮费": "0.00",
        "总金额": amount,
        "买家实际支付金额": amount,
        "订单状态": status,
        "收货地址": "广东省 广州市 越秀区 某路3号(510000)",
        "联系手机": f"'{phone or PHONES[nick]}",
        "收货人姓名": name or NAMES[nick],
        "订单创建时间": created,
        "订单付款时间": created.replace(":00:00", ":05:00"),
        "订单关闭原因": "退款" if status == "交易关闭" else "订单未关闭",
        "退款金额": amount if status == "交易关闭" else "0.00",
        "确认收货时间": received,
    }


def _line(order_id, code, amount, status):
    return {
        "订单编号": f'="{order_id}"',
        "标题": code,
        "价格": amount,
        "购买数量": "1",
        "订单状态": status,
        "商家编码": code,
    }


def _night_2(landing: Path, late: Path) -> None:
    write_export(
        landing / "ExportOrderList202611012330.csv",
        ORDERS_2018,
        [
            _order("3600000000000101", "alice", "2026-11-01 09:00:00", "120.00", "交易成功"),
            _order(
                "3600000000000102",
                GINA[0],
                "2026-11-01 11:00:00",
                "80.00",
                "买家已付款，等待卖家发货",
                phone=GINA[1],
                name=GINA[2],
            ),
        ],
        "gb18030",
    )
    # the 宝贝报表 of the same export is held back: it lands with night 3
    write_export(
        late / "ExportOrderDetailList202611012330.csv",
        LINES_2017,
        [
            _line("3600000000000101", "CUP-1", "120.00", "交易成功"),
            _line("3600000000000102", "PAN-1", "80.00", "买家已付款，等待卖家发货"),
        ],
        trailing_comma=True,
    )


def _night_3(landing: Path, late: Path) -> None:
    for held in late.iterdir():
        held.rename(landing / held.name)
    # a re-export of old orders in their later states
    write_export(
        landing / "ExportOrderList202611022330.csv",
        ORDERS_2018,
        [
            _order(
                "3600000000000012",
                "frank",
                "2026-10-30 10:00:00",
                "500.00",
                "交易成功",
                received="2026-11-02 10:00:00",
            ),
            _order("3600000000000004", "bob", "2026-01-15 10:00:00", "50.00", "交易关闭"),
            # gina changed the receiving phone before it shipped: her first phone is on no
            # record any more
            _order(
                "3600000000000102",
                GINA[0],
                "2026-11-01 11:00:00",
                "80.00",
                "卖家已发货，等待买家确认",
                phone=GINA_NEW_PHONE,
                name=GINA[2],
            ),
        ],
        "gb18030",
    )


def _night_4(landing: Path, late: Path) -> None:
    write_export(
        landing / "ExportRefundList202611031800.csv",
        REFUNDS_2017,
        [
            {
                "订单编号": '="3600000000000003"',
                "退款编号": "9600000000000101",
                "退款状态": "退款成功",
                "退款的申请时间": "2026-11-03 09:00:00",
                "退款完结时间": "2026-11-03 15:00:00",
                "买家退款金额": "100.00",
                "部分退款/全部退款": "部分退款",
                "售中或售后": "售后",
            }
        ],
    )
    # a member record with bob's nick and a WeChat unionid, whose WeCom contact an employee
    # noted with carol's phone: bob and carol are one customer from now on (a phone met with a
    # second nick directly would link nobody)
    write_export(
        landing / "会员列表20261103.csv",
        MEMBERS,
        [
            dict(
                zip(
                    MEMBERS,
                    ["M9", "", "bob", "oU9", "普通会员", "0", "2026-11-03 10:00:00"],
                    strict=True,
                )
            )
        ],
    )
    write_wecom_contact(
        landing / "wecom_contacts_20261103.json", "wmX9", "oU9", 1762131600, PHONES["carol"]
    )

    # a second nick on alice's phone (a household): the phone stops linking anyone
    write_export(
        landing / "ExportOrderList202611032330.csv",
        ORDERS_2018,
        [
            _order(
                "3600000000000301",
                HANA[0],
                "2026-11-03 12:00:00",
                "90.00",
                "交易成功",
                phone=HANA[1],
                name=HANA[2],
            ),
            # frank's phone and name under a new nick, after his last order: a rename
            _order(
                "3600000000000302",
                "frank_new",
                "2026-11-03 08:00:00",
                "40.00",
                "交易成功",
                phone=PHONES["frank"],
                name=NAMES["frank"],
            ),
        ],
        "gb18030",
    )

    # the ERP's order for a Taobao sub-order no platform export has shown yet: an order of its
    # own ('ERP-…') until the platform's sub-orders arrive
    write_export(
        landing / "旺店通订单202611031200.csv",
        WDT_ORDERS_HEADER,
        [
            {
                "订单编号": "JY0201",
                "订单来源": "淘宝",
                "子单原始单号": "5600000000000201",
                "订单状态": "已审核",
                "交易时间": "2026-11-02 09:00:00",
                "客户网名": "alice",
                "商家编码": "CUP-1",
                "下单数量": "1",
                "分摊后总价": "60.00",
            }
        ],
        "gb18030",
    )


def _night_5(landing: Path, late: Path) -> None:
    # the sub-order export that shows the ERP's order on the platform: it becomes that order
    write_export(
        landing / "ExportOrderDetailList202611042330.csv",
        LINES_2020,
        [
            {
                "子订单编号": '="5600000000000201"',
                "主订单编号": '="3600000000000201"',
                "标题": "马克杯",
                "价格": "60.00",
                "购买数量": "1",
                "订单状态": "交易成功",
                "商家编码": "CUP-1",
                "买家应付货款": "60.00",
                "买家实际支付金额": "60.00",
                "退款状态": "没有申请退款",
                "退款金额": "0",
                "订单创建时间": "2026-11-02 09:00:00",
                "订单付款时间": "2026-11-02 09:05:00",
            }
        ],
        trailing_comma=True,
    )
    # alice from a new phone: her nick's lifetime now overlaps hana's, which changes what her old
    # phone (on no order tonight) is
    write_export(
        landing / "ExportOrderList202611042330.csv",
        ORDERS_2018,
        [
            _order(
                "3600000000000401",
                "alice",
                "2026-11-04 10:00:00",
                "70.00",
                "交易成功",
                phone=ALICE_NEW_PHONE,
            ),
            # frank again under his old nick, after frank_new's order: not a rename
            _order("3600000000000402", "frank", "2026-11-04 12:00:00", "45.00", "交易成功"),
        ],
        "gb18030",
    )


def _night_6(landing: Path, late: Path) -> None:
    return None


NIGHTS: list[tuple[str, Callable[[Path, Path], None]]] = [
    ("2026-10-31", lambda landing, late: write_hand_shop(landing)),
    ("2026-11-01", _night_2),
    ("2026-11-02", _night_3),
    ("2026-11-03", _night_4),
    ("2026-11-04", _night_5),
    ("2026-11-05", _night_6),
]


def _canonical(rows) -> list[tuple]:
    """Rows in one order, floats to 9 significant digits: DuckDB's parallel sums can differ in
    the last bits between two runs on the same rows."""

    def value(v):
        if isinstance(v, float):
            return float(f"{v:.9g}")
        if isinstance(v, Decimal):
            return v.normalize()
        return v

    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


def _duckdb_marts(warehouse: Path) -> dict[str, list[tuple]]:
    tables = [
        t
        for (t,) in query(
            warehouse,
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_catalog = current_database() order by 1",
        )
    ]
    return {t: _canonical(query(warehouse, f'select * from marts."{t}"')) for t in tables}


def _postgres_marts(database: str) -> dict[str, list[tuple]]:
    with psycopg2.connect(pg_dsn(database)) as pg, pg.cursor() as cur:
        cur.execute(
            "select table_name from information_schema.tables where table_schema = 'fugou_marts'"
            " order by 1"
        )
        tables = [t for (t,) in cur.fetchall()]
        marts = {}
        for table in tables:
            cur.execute(f'select * from fugou_marts."{table}"')
            marts[table] = _canonical(cur.fetchall())
    return marts


def _differences(incremental: dict, full: dict) -> dict[str, str]:
    assert incremental.keys() == full.keys()
    said = {}
    for table, rows in incremental.items():
        if rows != full[table]:
            only_i = [r for r in rows if r not in full[table]][:2]
            only_f = [r for r in full[table] if r not in rows][:2]
            said[table] = f"incremental only {only_i}; full only {only_f}"
    return said


def _run_nights(root: Path, nights, build_night) -> list[dict]:
    """Lands each night's files, loads them into both warehouses, builds each its way and
    returns the differences per night."""
    landing, late = root / "landing", root / "late"
    late.mkdir(parents=True)
    found = []
    for as_of, write in nights:
        write(landing, late)
        found.append(build_night(as_of, landing))
    return found


def test_six_nights_of_late_data_build_the_same_marts_both_ways(tmp_path):
    warehouses = {"incremental": tmp_path / "i.duckdb", "full": tmp_path / "f.duckdb"}

    def night(as_of: str, landing: Path) -> dict:
        for way, warehouse in warehouses.items():
            with duckdb.connect(str(warehouse)) as con:
                report = load_landing(con, landing, PII_KEY)
            assert report.rows_quarantined == 0, (as_of, report)
            extra = [] if way == "incremental" else ["--full-refresh"]
            # one dbt folder per warehouse, as the nightly step keeps it: nights 2 to 6 parse
            # only what changed
            run_dbt([*BUILD, *extra], warehouse, as_of, tmp_path / way)
        marts = {way: _duckdb_marts(w) for way, w in warehouses.items()}
        assert len(marts["full"]) > 40
        for way, warehouse in warehouses.items():  # incremental intermediates, compared too
            for model, columns in INCREMENTAL_INTERMEDIATES.items():
                rows = query(warehouse, f"select {columns} from intermediate.{model}")
                marts[way][f"intermediate.{model}"] = _canonical(rows)
        return _differences(marts["incremental"], marts["full"])

    found = _run_nights(tmp_path, NIGHTS, night)
    assert found == [{}] * len(NIGHTS)
    # the incremental warehouse kept earlier nights' observations and replaced the touched ones;
    # the full one rewrote them all on the last night
    for model in (
        "int_order_observations",
        "int_orders_unioned",
        "int_order_lines_unioned",
        "int_identifier_observations_unioned",
        "int_identifier_observations",
        "int_identifiers_assessed",
    ):
        stamps = f"select count(distinct built_through) from intermediate.{model}"
        assert query(warehouses["incremental"], stamps)[0][0] >= 2, model
        assert query(warehouses["full"], stamps) == [(1,)], model
    # the nights did what they say: the late lines, the re-exported states, the late refund,
    # the merge
    i = warehouses["incremental"]
    assert query(
        i, "select count(*) from marts.fct_order_lines where order_id like '36000000000001%'"
    ) == [(2,)]
    assert query(
        i,
        "select order_id, order_state from marts.fct_orders "
        "where order_id in ('3600000000000012', '3600000000000004') order by 1",
    ) == [("3600000000000004", "closed_refunded"), ("3600000000000012", "completed")]
    assert query(
        i, "select refund_amount from marts.fct_refunds where refund_id = '9600000000000101'"
    ) == [(Decimal("100.00"),)]
    assert query(
        i,
        "select count(distinct customer_id) from marts.customer_identifiers "
        "where identifier_type = 'taobao_nick' and identifier_value in ('bob', 'carol')",
    ) == [(1,)]
    assert query(
        i,
        "select order_id, source_system from intermediate.int_orders_unioned "
        "where order_id like '%0201' order by 1",
    ) == [("3600000000000201", "taobao_suborder_export")]
    assert (
        query(i, "select count(*) from marts.identity_changes where change_type = 'merge'")[0][0]
        >= 1
    )
    # gina's first phone left with her re-exported order
    assert query(
        i,
        "select count(*) from marts.customer_identifiers where customer_id = ("
        "select customer_id from marts.customer_identifiers "
        "where identifier_type = 'taobao_nick' and identifier_value = 'gina') "
        "and identifier_type = 'phone_hmac'",
    ) == [(1,)]
    # alice's old phone: two nicks (skipped), in use at the same time since night 5
    assert query(
        i,
        "select assessed.link_status, assessed.group_size, assessed.max_concurrent "
        "from intermediate.int_identifiers_assessed as assessed "
        "inner join intermediate.int_identifier_observations as seen "
        "on assessed.identifier_type = seen.identifier_type "
        "and assessed.identifier_value = seen.identifier_value "
        "where seen.record_key = 'order:3600000000000301' "
        "and seen.identifier_type = 'phone_hmac'",
    ) == [("skipped_group_size", 2, 2)]
    # frank's rename, found on night 4, was given up on night 5: his nick is nobody's freed one
    assert query(
        i,
        "select count(*) from intermediate.int_identifier_observations "
        "where identifier_value like 'frank%' and freed_at is not null",
    ) == [(0,)]
    # hana is a customer of her own; alice stays one customer across both phones
    assert query(
        i,
        "select count(distinct customer_id) from marts.customer_identifiers "
        "where identifier_type = 'taobao_nick' and identifier_value in ('alice', 'hana')",
    ) == [(2,)]


@pytest.mark.postgres
def test_late_data_builds_the_same_marts_both_ways_on_postgres(tmp_path):
    """Nights 1, 3 and 4 on PostgreSQL (night 2's files land with night 3): the raw schema the
    loader writes is copied to each database, as a shop moving to a warehouse does."""
    assert postgres_answers(), "the tests' PostgreSQL did not start"
    import psycopg2 as pg

    databases = {
        "incremental": unique_database_name("fugou_incr"),
        "full": unique_database_name("fugou_full"),
    }
    server = pg.connect(pg_dsn())
    server.autocommit = True
    with server.cursor() as cur:
        for name in databases.values():
            cur.execute(f"create database {name}")
    server.close()
    warehouse = tmp_path / "loaded.duckdb"

    def both(landing: Path, late: Path) -> None:
        _night_2(landing, late)
        _night_3(landing, late)

    nights = [NIGHTS[0], ("2026-11-02", both), NIGHTS[3]]

    def night(as_of: str, landing: Path) -> dict:
        with duckdb.connect(str(warehouse)) as con:
            load_landing(con, landing, PII_KEY)
        for way, database in databases.items():
            copy_raw_schema(warehouse, pg_dsn(database))
            extra = [] if way == "incremental" else ["--full-refresh"]
            run_dbt(
                [*BUILD, *extra],
                None,
                as_of,
                tmp_path / way,
                target="postgres",
                extra_env={"FUGOU_PG_DATABASE": database},
            )
        return _differences(
            _postgres_marts(databases["incremental"]), _postgres_marts(databases["full"])
        )

    found = _run_nights(tmp_path, nights, night)
    assert found == [{}] * len(nights)
