"""ERP exports: 旺店通 (two export kinds), 聚水潭 JSON, YAML-mapped others, after-sales records."""

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from ingestion.loader import load_landing
from ingestion.prepare import pseudonymise
from ingestion.sources import detect_spec, erp_orders
from ingestion.sources.erp_headers import (
    AFTER_SALES_HEADER,
    WDT_ORDERS_HEADER,
    WDT_OUTBOUND_HEADER,
)
from ingestion.sources.spec import parse_file
from tests.conftest import PII_KEY, query, query_quarantine, write_export

LOADED_AT = dt.datetime(2026, 11, 1, 2, 0)


def _load(warehouse: Path, landing: Path):
    with duckdb.connect(str(warehouse)) as con:
        return load_landing(con, landing, PII_KEY, LOADED_AT)


OUTBOUND_ROW = {
    "订单编号": "=JY202406300001",
    "店铺名称": "复购家居生活馆",
    "订单来源": "淘宝",
    "原始单号": "3700000000000001",
    "原始子单号": "3700000000000011",
    "订单状态": "已完成",
    "交易时间": "2024-06-28 10:00:00",
    "付款时间": "2024-06-28 10:05:00",
    "发货时间": "2024-06-29 09:00:00",
    "客户网名": "gina",
    "收件人": "吉娜",
    "省市县": "江苏省 南京市 玄武区",
    "地址": "中山路9号",
    "手机": "13900000007",
    "商家编码": "PAN-1",
    "货品名称": "雪平锅",
    "数量": "1",
    "成交价": "150.00",
    "分摊后总价": "150.00",
    "已付": "210.00",
    "客户编号": "KH0001",
}


def test_wdt_outbound_loads_with_customer_number_and_no_street(tmp_path, warehouse):
    landing = tmp_path / "landing"
    second = dict(OUTBOUND_ROW, 原始子单号="3700000000000021", 成交价="60.00", 分摊后总价="60.00")
    write_export(
        landing / "销售出库明细20240630.csv", WDT_OUTBOUND_HEADER, [OUTBOUND_ROW, second], "gb18030"
    )
    (result,) = _load(warehouse, landing).files
    assert (result.status, result.target_table, result.rows_loaded) == (
        "loaded",
        "erp_order_lines",
        2,
    )
    assert not result.unknown_columns
    rows = query(
        warehouse,
        "select erp_system, erp_order_no, platform_order_id, platform_sub_order_id, buyer_nick,"
        " customer_no, receiver_mobile_hmac, receiver_mobile_kind, receiver_region, quantity,"
        " line_paid_amount from raw.erp_order_lines order by platform_sub_order_id",
    )
    assert rows[0] == (
        "wdt_outbound",
        "JY202406300001",
        "3700000000000001",
        "3700000000000011",
        "gina",
        "KH0001",
        pseudonymise(PII_KEY, "13900000007"),
        "mobile",
        "江苏省 南京市 玄武区",
        1,
        150,
    )
    dump = str(query(warehouse, "select * from raw.erp_order_lines"))
    assert "中山路" not in dump and "13900000007" not in dump and "吉娜" not in dump


def test_wdt_order_export_is_told_from_the_outbound_one_by_its_header(tmp_path):
    row = {
        "订单编号": "JY1",
        "子单原始单号": "3700000000000011",
        "交易时间": "2024-06-28 10:00:00",
        "客户网名": "gina",
        "收件人手机": "13900000007",
        "下单数量": "2",
        "分摊后总价": "300.00",
    }
    path = write_export(tmp_path / "orders_from_erp.csv", WDT_ORDERS_HEADER, [row])
    spec = detect_spec(path)
    assert spec is erp_orders.WDT_ORDERS
    (parsed,) = list(parse_file(spec, path).items)
    assert parsed.values["platform_sub_order_id"] == "3700000000000011"
    assert parsed.values["quantity"] == 2 and parsed.values["erp_system"] == "wdt_orders"


def test_jst_order_dump_gives_a_row_per_item(tmp_path, warehouse):
    landing = tmp_path / "landing"
    landing.mkdir()
    order = {
        "o_id": 880001,
        "so_id": "3700000000000004",
        "shop_name": "复购家居天猫店",
        "status": "Confirmed",
        "shop_buyer_id": "henry",
        "open_id": "AAHhenry",
        "receiver_state": "北京",
        "receiver_city": "北京市",
        "receiver_district": "朝阳区",
        "receiver_address": "建国路1号",
        "receiver_mobile": "13900000008",
        "order_date": "2024-08-01 09:00:00",
        "pay_date": "2024-08-01 09:05:00",
        "paid_amount": 88,
        "co_id": 1,
        "items": [
            {"sku_id": "PAN-1", "name": "雪平锅", "qty": 1, "price": 58, "amount": 58},
            {"sku_id": "CUP-1", "name": "马克杯", "qty": 2, "price": 15, "amount": 30, "shiny": 1},
        ],
    }
    page = {"code": 0, "msg": "执行成功", "data": {"orders": [order], "has_next": False}}
    (landing / "jst_orders_20240801.json").write_text(json.dumps(page), encoding="utf-8")
    (landing / "jst_error.json").write_text(
        json.dumps({"code": 100, "msg": "签名错误"}), encoding="utf-8"
    )
    results = {r.source_file: r for r in _load(warehouse, landing).files}
    assert results["jst_orders_20240801.json"].rows_loaded == 2
    assert "items.shiny" in results["jst_orders_20240801.json"].unknown_columns
    assert query(
        warehouse,
        "select erp_system, erp_order_no, platform_order_id, buyer_nick, platform_buyer_id,"
        " receiver_region, merchant_code, quantity, line_paid_amount, _source_file, _source_line"
        " from raw.erp_order_lines order by _source_line",
    ) == [
        (
            "jst_orders",
            "880001",
            "3700000000000004",
            "henry",
            "AAHhenry",
            "北京 北京市 朝阳区",
            "PAN-1",
            1,
            58,
            "jst_orders_20240801.json#orders",
            1,
        ),
        (
            "jst_orders",
            "880001",
            "3700000000000004",
            "henry",
            "AAHhenry",
            "北京 北京市 朝阳区",
            "CUP-1",
            2,
            30,
            "jst_orders_20240801.json#orders",
            2,
        ),
    ]
    assert "建国路" not in str(query(warehouse, "select * from raw.erp_order_lines"))
    # a 聚水潭 error page (no data.orders) is not mistaken for anything: rejected, kept
    assert results["jst_error.json"].status == "rejected"


def test_a_yaml_map_reads_an_erp_fugou_has_no_code_for(tmp_path, warehouse):
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "shop_erp.yml").write_text(
        """
name: shop_erp
file_prefixes: [ShopErp]
fingerprint: [单号, 旺旺]
columns:
  erp_order_no: [单号]
  platform_order_id: [淘宝单号]
  buyer_nick: [旺旺]
  receiver_mobile: [电话]
  traded_at: [日期]
  quantity: [件数]
  line_paid_amount: [金额]
""",
        encoding="utf-8",
    )
    (spec,) = erp_orders.load_maps(maps)
    header = ["单号", "淘宝单号", "旺旺", "电话", "日期", "件数", "金额", "收货地址"]
    row = dict(
        zip(
            header,
            [
                "D1",
                "3700000000000002",
                "gina",
                "13900000007",
                "2024/3/1 9:00",
                "1",
                "99元",
                "某路1号",
            ],
            strict=True,
        )
    )
    path = write_export(tmp_path / "ShopErp_202403.csv", header, [row])
    parsed = parse_file(spec, path)
    assert not parsed.unknown_columns  # 收货地址 is known and never loaded
    (values,) = [r.values for r in parsed.items]
    assert values["buyer_nick"] == "gina" and values["erp_system"] == "shop_erp"
    assert str(values["line_paid_amount"]) == "99.00"
    (maps / "broken.yml").write_text("name: broken\ncolumns:\n  buyer_nick: [旺旺]\n")
    with pytest.raises(ValueError, match="erp_order_no"):
        erp_orders.load_maps(maps)


def test_shipped_maps_for_guanjiapo_and_wanliniu_load(tmp_path, warehouse):
    names = {spec.name for spec in erp_orders.load_maps()}
    assert {"guanjiapo", "wanliniu"} <= names
    landing = tmp_path / "landing"
    header = ["订单编号", "网店订单号", "买家账号", "收货人手机", "下单时间", "数量", "金额"]
    row = dict(
        zip(
            header,
            ["G1", "3700000000000009", "ivy", "13900000009", "2024-05-01 10:00:00", "3", "45.00"],
            strict=True,
        )
    )
    write_export(landing / "管家婆订单202405.csv", header, [row])
    (result,) = _load(warehouse, landing).files
    assert result.status == "loaded" and result.rows_loaded == 1
    assert query(warehouse, "select erp_system, buyer_nick from raw.erp_order_lines") == [
        ("guanjiapo", "ivy")
    ]


def test_after_sales_records_load(tmp_path, warehouse):
    landing = tmp_path / "landing"
    row = {
        "退换补发单号": "TH0001",
        "原始单号": "3700000000000002",
        "售后类型": "退货",
        "处理状态": "已完成",
        "客户网名": "gina",
        "退款金额": "99.00",
        "退换原因": "尺码不合适",
        "建单时间": "2024-03-10 10:00:00",
        "完成时间": "2024-03-12 10:00:00",
    }
    write_export(landing / "售后单20240331.csv", AFTER_SALES_HEADER, [row, dict(row, 建单时间="")])
    (result,) = _load(warehouse, landing).files
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert query(
        warehouse,
        "select after_sales_no, platform_order_id, refund_amount from raw.erp_after_sales",
    ) == [("TH0001", "3700000000000002", 99)]


def test_a_jst_query_saved_as_one_pretty_printed_document_streams_to_the_same_rows(
    tmp_path, warehouse
):
    order = {
        "o_id": 880002,
        "so_id": "3700000000000005",
        "shop_name": "复购家居-淘宝",
        "status": "Sent",
        "shop_buyer_id": "ivy",
        "receiver_state": "上海",
        "receiver_city": "上海市",
        "receiver_mobile": "13900000009",
        "order_date": "2024-08-02 10:00:00",
        "paid_amount": "61.91",
        "items": [
            {"sku_id": "PAN-1", "name": "雪平锅", "qty": 1, "price": "58.00", "amount": "53.91"},
            {"sku_id": "CUP-1", "name": "马克杯", "qty": 2, "price": 4, "amount": 8},
        ],
    }
    page = {
        "code": 0,
        "msg": None,
        "data": {"page_index": 1, "orders": [order, dict(order, o_id=880003, items=[])]},
    }
    one_line, pretty = tmp_path / "one_line", tmp_path / "pretty"
    for folder in (one_line, pretty):
        folder.mkdir()
    (one_line / "jst_orders_20240802.json").write_text(json.dumps(page), encoding="utf-8")
    # as a query saved from the API console: indented, UTF-8 with a BOM
    path = pretty / "jst_orders_20240802.json"
    path.write_text(json.dumps(page, ensure_ascii=False, indent=1), encoding="utf-8-sig")
    assert erp_orders.starts_like_jst_document(path)
    error = dict(page, code=100, msg="签名错误")
    (pretty / "jst_error_20240802.json").write_text(json.dumps(error, indent=1), encoding="utf-8")

    rows = []
    for folder in (one_line, pretty):
        db = tmp_path / f"{folder.name}.duckdb"
        results = {r.source_file: r for r in _load(db, folder).files}
        loaded = results["jst_orders_20240802.json"]
        assert (loaded.rows_in_file, loaded.rows_loaded) == (3, 2)  # an order without items
        rows.append(
            query(
                db,
                "select * exclude (_file_sha256, _loaded_at) from raw.erp_order_lines"
                " order by _source_line",
            )
            + query_quarantine(
                db,
                "select source_line, reason, raw_text from raw.quarantine"
                " where source_file like 'jst_orders%' order by source_line",
            )
        )
    assert rows[0] == rows[1]
    assert [(r.status, r.message) for r in [results["jst_error_20240802.json"]]] == [
        ("rejected", "file rejected: the dump holds a 聚水潭 error response: 签名错误")
    ]
