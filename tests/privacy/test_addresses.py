"""A street address never reaches the warehouse: the loader keeps the region alone."""

import datetime as dt

import duckdb

from ingestion.demo.exports import ORDERS_2018
from ingestion.loader import ensure_raw_schema, load_landing
from tests.conftest import PII_KEY, query, write_export
from tests.ingestion.test_taobao_exports import ORDER_ROW

STREETS = ["张江路1号", "文三路100号", "201203", "310012"]


def test_the_region_is_kept_and_the_street_is_in_no_byte_of_the_file(tmp_path, warehouse):
    landing = tmp_path / "landing"
    rows = [
        dict(ORDER_ROW, 订单编号='="3500000000000001"'),
        dict(
            ORDER_ROW,
            订单编号='="3500000000000002"',
            收货地址="浙江省杭州市西湖区文三路100号(310012)",  # an export without the spaces
        ),
        dict(ORDER_ROW, 订单编号='="3500000000000003"', 收货地址="自提"),
    ]
    write_export(landing / "ExportOrderList201903051200.csv", ORDERS_2018, rows, "gb18030")
    with duckdb.connect(str(warehouse)) as con:
        assert load_landing(con, landing, PII_KEY, dt.datetime(2026, 11, 1)).rows_loaded == 3
        con.execute("checkpoint")
    assert query(
        warehouse, "select order_id, receiver_region from raw.taobao_orders order by order_id"
    ) == [
        ("3500000000000001", "上海 上海市 浦东新区"),
        ("3500000000000002", "浙江省 杭州市 西湖区"),
        ("3500000000000003", None),
    ]
    data = warehouse.read_bytes()
    for street in STREETS:
        assert street.encode("utf-8") not in data, street


def test_a_warehouse_made_before_keeps_only_the_region_of_its_addresses(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.taobao_orders (order_id varchar, receiver_address varchar)")
        con.execute(
            "insert into raw.taobao_orders values "
            "('1', '上海 上海市 浦东新区 张江路1号(201203)'), ('2', null), ('3', '自提')"
        )
        ensure_raw_schema(con)
        columns = {
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = 'taobao_orders'"
            ).fetchall()
        }
        assert "receiver_address" not in columns
        assert con.execute(
            "select order_id, receiver_region from raw.taobao_orders order by order_id"
        ).fetchall() == [("1", "上海 上海市 浦东新区"), ("2", None), ("3", None)]
        ensure_raw_schema(con)  # a second time finds nothing to retire
