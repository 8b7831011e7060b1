"""Documents of several parts: TOP API dumps (.json/.jsonl) and 千牛 workbooks (.xlsx), plus the
CSV generations at both ends of Taobao's history (≈2016 and the 2023+ sub-order export)."""

import datetime as dt
import json
from pathlib import Path

import duckdb
import openpyxl

from ingestion.loader import load_landing
from ingestion.prepare import pseudonymise
from ingestion.sources.taobao_headers import ORDERS_2016, SUBORDERS_2023
from tests.conftest import PII_KEY, query, query_quarantine, write_export
from tests.ingestion.test_taobao_exports import ORDER_ROW

LOADED_AT = dt.datetime(2026, 11, 1, 2, 0)


def _load(warehouse: Path, landing: Path):
    with duckdb.connect(str(warehouse)) as con:
        return load_landing(con, landing, PII_KEY, LOADED_AT)


def _trade(tid: int, payment: str = "199.00", **changes) -> dict:
    trade = {
        "tid": tid,
        "tid_str": str(tid),
        "status": "TRADE_FINISHED",
        "type": "fixed",
        "created": "2026-10-01 10:00:00",
        "pay_time": "2026-10-01 10:01:00",
        "modified": "2026-10-05 09:00:00",
        "payment": payment,
        "total_fee": "199.00",
        "post_fee": "0.00",
        "buyer_nick": "小明的店铺粉",
        "buyer_open_uid": "AAHm5d-EAAeGwJedwSHpg8bT",
        "oaid": "1Bq4aPlbOQkbI5wyxHQyWUZHyQQ",
        "receiver_name": "张三",
        "receiver_state": "浙江省",
        "receiver_city": "杭州市",
        "receiver_district": "西湖区",
        "receiver_mobile": "13912345678",
        "orders": {
            "order": [
                {
                    "oid": tid + 1,
                    "num_iid": 6012345,
                    "outer_iid": "FG-001",
                    "title": "雪平锅",
                    "price": "199.00",
                    "num": 1,
                    "payment": "199.00",
                    "status": "TRADE_FINISHED",
                    "refund_status": "NO_REFUND",
                    "seller_type": "B",
                }
            ]
        },
    }
    trade.update(changes)
    return trade


def _wrapped(trades: list[dict], kind: str = "trades_sold_increment_get_response") -> dict:
    return {kind: {"total_results": len(trades), "trades": {"trade": trades}, "request_id": "x"}}


def _simplified(trades: list[dict]) -> dict:
    plain = []
    for trade in trades:
        plain.append({**trade, "orders": trade["orders"]["order"]})
    return {"trades": plain, "total_results": len(plain), "has_next": False}


def test_wrapped_and_simplify_dumps_load_the_same_rows(tmp_path):
    trades = [_trade(3600000000000001), _trade(3600000000000011, status="WAIT_BUYER_PAY")]
    rows = {}
    for form, document in (
        ("wrapped", json.dumps(_wrapped(trades), ensure_ascii=False)),
        # JSON Lines: one response (page) per line, as the pull client writes
        (
            "simplify",
            "\n".join(json.dumps(_simplified([t]), ensure_ascii=False) for t in trades),
        ),
    ):
        landing = tmp_path / form / "landing"
        landing.mkdir(parents=True)
        (landing / f"TopTrades_{form}.jsonl").write_text(document, encoding="utf-8")
        warehouse = tmp_path / form / "w.duckdb"
        (result,) = _load(warehouse, landing).files
        assert result.status == "loaded", result.message
        assert (result.rows_in_file, result.rows_loaded) == (4, 4)
        assert result.target_table == "top_trade_orders, top_trades"
        rows[form] = (
            query(
                warehouse,
                "select tid, status, payment, buyer_nick, receiver_mobile_hmac, _source_line"
                " from raw.top_trades order by tid",
            ),
            query(warehouse, "select tid, oid, num, price from raw.top_trade_orders order by oid"),
        )
    assert rows["wrapped"] == rows["simplify"]
    trades_rows, order_rows = rows["wrapped"]
    assert [r[0] for r in trades_rows] == ["3600000000000001", "3600000000000011"]
    assert trades_rows[0][4] == pseudonymise(PII_KEY, "13912345678")
    assert order_rows[0][:2] == ("3600000000000001", "3600000000000002")


def test_a_bad_trade_is_quarantined_with_its_member_number_and_the_rest_loads(tmp_path, warehouse):
    landing = tmp_path / "landing"
    landing.mkdir()
    trades = [
        _trade(3600000000000001),
        _trade(3600000000000021, payment="一百"),
        _trade(3600000000000031, shiny_new_field={"a": 1}),
    ]
    path = landing / "TopTrades20261101.json"
    path.write_text(json.dumps(_wrapped(trades), ensure_ascii=False), encoding="utf-8")
    (result,) = _load(warehouse, landing).files
    assert (result.rows_in_file, result.rows_loaded, result.rows_quarantined) == (6, 5, 1)
    ((source, line, reason, raw),) = query_quarantine(
        warehouse, "select source_file, source_line, reason, raw_text from raw.quarantine"
    )
    assert source == "TopTrades20261101.json#trades" and line == 2
    assert "payment" in reason and json.loads(raw)["tid"] == 3600000000000021
    (extra,) = query(warehouse, "select _extra from raw.top_trades where tid = '3600000000000031'")[
        0
    ]
    assert json.loads(extra) == {"shiny_new_field": '{"a":1}'}
    assert "shiny_new_field" in result.message
    # Nothing personal in clear, and a second load adds nothing.
    dump = str(query(warehouse, "select * from raw.top_trades"))
    assert "13912345678" not in dump and "张三" not in dump
    assert _load(warehouse, landing).count("skipped") == 1


def test_refund_dumps_error_responses_and_empty_pages(tmp_path, warehouse):
    landing = tmp_path / "landing"
    landing.mkdir()
    refund = {
        "refund_id": 7100000000000001,
        "tid": 3600000000000001,
        "oid": 3600000000000002,
        "status": "SUCCESS",
        "refund_fee": "99.00",
        "created": "2026-10-03 12:00:00",
        "modified": "2026-10-04 12:00:00",
        "has_good_return": False,
        "refund_phase": "aftersale",
        "buyer_nick": "小明的店铺粉",
    }
    (landing / "TopRefunds1.json").write_text(
        json.dumps({"refunds_receive_get_response": {"refunds": {"refund": [refund]}}}),
        encoding="utf-8",
    )
    (landing / "TopTrades2.json").write_text(
        json.dumps({"error_response": {"code": 27, "msg": "Invalid session"}}), encoding="utf-8"
    )
    (landing / "TopTrades3.json").write_text(
        json.dumps(_wrapped([]), ensure_ascii=False), encoding="utf-8"
    )
    results = {r.source_file: r for r in _load(warehouse, landing).files}
    assert results["TopRefunds1.json"].rows_loaded == 1
    assert query(warehouse, "select status, refund_fee, has_good_return from raw.top_refunds") == [
        ("SUCCESS", 99, False)
    ]
    assert results["TopTrades2.json"].status == "rejected"
    assert "Invalid session" in results["TopTrades2.json"].message
    assert results["TopTrades2.json"].rows_quarantined == 1
    assert results["TopTrades3.json"].status == "loaded"
    assert results["TopTrades3.json"].rows_in_file == 0


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


ORDERS_SHEET = [
    ["订单编号", "买家应付货款", "订单状态", "收货地址", "物流单号", "物流公司", "订单创建时间"],
    [
        "3700000000000001",
        199,
        "交易成功",
        "浙江省 杭州市 西湖区 文三路1号(310000)",
        "No:SF1234567890",
        "顺丰速运",
        dt.datetime(2024, 5, 1, 10, 0),
    ],
]
SHIP_SHEET = [
    ["订单编号", "收货人姓名", "联系手机", "收货地址"],
    ["3700000000000001", "张三", "13912345678", "浙江省 杭州市 西湖区 文三路1号(310000)"],
]


def _suborder(sub: str, main: str, **changes) -> list:
    row = dict.fromkeys(SUBORDERS_2023, "")
    row.update(
        {
            "子订单编号": sub,
            "主订单编号": main,
            "商品标题": "雪平锅",
            "商品价格": 199.0,
            "购买数量": 1,
            "订单状态": "交易成功",
            "商家编码": "FG-001",
            "买家应付货款": 199,
            "买家实付金额": 199,
            "退款状态": "没有申请退款",
            "退款金额": "无退款申请",
            "订单创建时间": dt.datetime(2024, 5, 1, 10, 0),
            "订单付款时间": dt.datetime(2024, 5, 1, 10, 1),
        }
    )
    row.update(changes)
    return list(row.values())


def test_qianniu_workbook_loads_each_sheet_to_its_table(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _workbook(
        landing / "ExportOrderList202406301800.xlsx",
        {
            "订单报表": ORDERS_SHEET,
            "销售明细": [
                SUBORDERS_2023,
                _suborder("3700000000000001", "3700000000000001"),
                # Excel turned this id into a float: quarantined, never merged
                _suborder(3.70000000000001e15 * 10, "3700000000000002"),
            ],
            "发货报表": SHIP_SHEET,
            "说明": [["本表由千牛导出"], ["请勿修改"]],
            "空白": [],
        },
    )
    (result,) = _load(warehouse, landing).files
    assert result.status == "loaded", result.message
    assert result.rows_in_file == 1 + 2 + 1 + 2
    assert (result.rows_loaded, result.rows_quarantined) == (3, 3)
    assert result.header_generation == "2023_qianniu_sheet, 2023_qianniu_suborder"
    assert query(
        warehouse,
        "select order_id, order_status, buyer_paid_amount, tracking_no from raw.taobao_orders",
    ) == [("3700000000000001", "交易成功", None, "SF1234567890")]
    assert query(
        warehouse,
        "select order_id, sub_order_id, line_paid_amount, created_at, _source_file, _source_line"
        " from raw.taobao_order_lines",
    ) == [
        (
            "3700000000000001",
            "3700000000000001",
            199,
            dt.datetime(2024, 5, 1, 10, 0),
            "ExportOrderList202406301800.xlsx#销售明细",
            2,
        )
    ]
    assert query(warehouse, "select order_id, receiver_mobile_hmac from raw.taobao_shipments") == [
        ("3700000000000001", pseudonymise(PII_KEY, "13912345678"))
    ]
    quarantined = query(
        warehouse, "select source_file, source_line, reason from raw.quarantine order by 1, 2"
    )
    assert [q[:2] for q in quarantined] == [
        ("ExportOrderList202406301800.xlsx#说明", 1),
        ("ExportOrderList202406301800.xlsx#说明", 2),
        ("ExportOrderList202406301800.xlsx#销售明细", 3),
    ]
    assert "not a recognised export" in quarantined[0][2]
    assert "scientific notation" in quarantined[2][2]


def test_a_workbook_sheet_missing_a_required_column_rejects_the_workbook_and_keeps_every_row(
    tmp_path, warehouse
):
    landing = tmp_path / "landing"
    no_amounts = [[c for c in row if c != "购买数量"] for row in [SUBORDERS_2023]]
    _workbook(
        landing / "千牛导出.xlsx",
        {"订单报表": ORDERS_SHEET, "销售明细": [*no_amounts, ["1", "2"]], "发货报表": SHIP_SHEET},
    )
    (result,) = _load(warehouse, landing).files
    assert result.status == "rejected"
    assert "quantity" in result.message and "购买数量" in result.message
    assert result.rows_quarantined == 3  # one data row per sheet
    assert query(warehouse, "select count(*) from raw.taobao_orders") == [(0,)]


def test_2023_suborder_csv_named_as_an_order_export_loads_as_order_lines(tmp_path, warehouse):
    landing = tmp_path / "landing"
    rows = [
        dict(
            zip(
                SUBORDERS_2023,
                map(str, _suborder("3800000000000002", "3800000000000001")),
                strict=True,
            )
        )
    ]
    for row in rows:
        row["订单创建时间"] = "2025-05-01 10:00:00"
        row["订单付款时间"] = "2025-05-01 10:01:00"
    write_export(landing / "ExportOrderList202506301800.csv", SUBORDERS_2023, rows)
    (result,) = _load(warehouse, landing).files
    assert (result.status, result.target_table) == ("loaded", "taobao_order_lines")
    assert result.header_generation == "2023_qianniu_suborder"
    assert query(warehouse, "select order_id, sub_order_id, title from raw.taobao_order_lines") == [
        ("3800000000000001", "3800000000000002", "雪平锅")
    ]


def test_2016_order_export_loads(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_export(landing / "ExportOrderList201609231016.csv", ORDERS_2016, [ORDER_ROW], "gb18030")
    (result,) = _load(warehouse, landing).files
    assert (result.status, result.header_generation) == ("loaded", "2016_41col")
    assert result.rows_loaded == 1 and not result.unknown_columns


def test_a_broken_json_lines_line_is_quarantined_alone_and_the_rest_loads(tmp_path, warehouse):
    """One broken line rejected 5,244 rows as a single line-0 quarantine row without raw text."""
    landing = tmp_path / "landing"
    landing.mkdir()
    pages = [json.dumps(_simplified([_trade(3600000000000001 + 10 * n)])) for n in range(5)]
    pages[2] = pages[2][: len(pages[2]) // 2]  # a line cut off mid-write
    (landing / "TopTradesIncrement202610010000_202610010030.jsonl").write_text(
        "\n".join(pages) + "\n", encoding="utf-8"
    )
    (result,) = _load(warehouse, landing).files
    assert result.status == "loaded", result.message
    # 4 trades and their 4 orders load; the broken line is one quarantined row of its own.
    assert (result.rows_loaded, result.rows_quarantined, result.rows_in_file) == (8, 1, 9)
    ((source, line, reason, raw),) = query_quarantine(
        warehouse, "select source_file, source_line, reason, raw_text from raw.quarantine"
    )
    assert source.endswith(".jsonl#unreadable_lines") and line == 3
    assert "line 3 of the JSON Lines dump is not valid JSON" in reason
    assert raw == pages[2]
    assert query(warehouse, "select count(*) from raw.top_trades") == [(4,)]


def _excel_member_order(path: Path) -> None:
    """Rewrite a workbook with its members in the order Excel writes them (workbook first,
    sheets, then styles and shared strings), which decides what a cut leaves readable."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}

    def rank(name: str) -> tuple[int, str]:
        order = ("[Content_Types]", "_rels/", "xl/workbook", "xl/_rels", "xl/worksheets")
        return next((i for i, p in enumerate(order) if name.startswith(p)), len(order)), name

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(members, key=rank):
            target.writestr(name, members[name])


def test_a_workbook_cut_off_keeps_its_complete_rows(tmp_path, warehouse):
    """A workbook cut at 60% lost every row (6,897 of them) as one line-0 quarantine row."""
    landing = tmp_path / "landing"
    sub_orders = [
        _suborder(f"37000000000{n:05d}", f"36000000000{n:05d}", 商品标题=f"雪平锅{n}号")
        for n in range(1, 401)
    ]
    path = _workbook(
        landing / "ExportOrderList202406301800.xlsx",
        {
            "发货报表": [SHIP_SHEET[0]]
            + [[f"36000000000{n:05d}", "张三", "13912345678", "浙江省"] for n in range(1, 401)],
            "销售明细": [SUBORDERS_2023, *sub_orders],
        },
    )
    _excel_member_order(path)
    whole = path.read_bytes()
    path.write_bytes(whole[: int(len(whole) * 0.6)])
    (result,) = _load(warehouse, landing).files
    assert result.status == "loaded", result.message
    shipments = query(warehouse, "select count(*) from raw.taobao_shipments")[0][0]
    lines = query(
        warehouse,
        "select count(*), min(_source_line), max(_source_line), count(distinct title) "
        "from raw.taobao_order_lines",
    )[0]
    assert shipments == 400  # the first sheet is whole
    count, first, last, titles = lines
    assert 0 < count < 400 and (first, last) == (2, count + 1) and titles == count
    # styles.xml came after the cut: the times are read from the serials their headers name.
    assert query(warehouse, "select distinct created_at from raw.taobao_order_lines") == [
        (dt.datetime(2024, 5, 1, 10, 0),)
    ]
    assert result.fields_nulled == 0
    ((source, line, reason),) = query(
        warehouse, "select source_file, source_line, reason from raw.quarantine"
    )
    assert source.endswith("#damaged") and line == 0
    assert f"'销售明细' after row {count + 1}" in reason and "export it again" in reason
    assert result.rows_in_file == result.rows_loaded + result.rows_quarantined
