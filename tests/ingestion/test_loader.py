"""The loader's promises: nothing lost, nothing twice, no raw phone in the warehouse."""

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from ingestion.demo.exports import LINES_2017, ORDERS_2018
from ingestion.loader import load_landing
from ingestion.prepare import pseudonymise
from tests.conftest import PII_KEY, query, query_quarantine, write_export
from tests.ingestion.test_taobao_exports import LINE_ROW, ORDER_ROW

LOADED_AT = dt.datetime(2026, 11, 1, 2, 0)


def _order(order_id: str, **changes: str) -> dict[str, str]:
    return dict(ORDER_ROW, **{"订单编号": f'="{order_id}"'}, **changes)


def _load(warehouse: Path, landing: Path):
    with duckdb.connect(str(warehouse)) as con:
        return load_landing(con, landing, PII_KEY, LOADED_AT)


def _table_snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    tables = ["taobao_orders", "taobao_order_lines", "erp_products", "quarantine", "file_ledger"]
    return {t: sorted(map(repr, query(warehouse, f"select * from raw.{t}"))) for t in tables}


def test_loading_the_same_files_twice_changes_nothing(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_export(
        landing / "ExportOrderList201903051200.csv",
        ORDERS_2018,
        [_order("3500000000000001"), _order("3500000000000002")],
        "gb18030",
    )
    write_export(
        landing / "ExportOrderDetailList201903051200.csv",
        LINES_2017,
        [LINE_ROW],
        "gb18030",
        trailing_comma=True,
    )
    first = _load(warehouse, landing)
    assert first.count("loaded") == 2 and first.rows_loaded == 3
    before = _table_snapshot(warehouse)
    second = _load(warehouse, landing)
    assert second.count("skipped") == 2 and second.rows_loaded == 0
    assert _table_snapshot(warehouse) == before
    # The same bytes under another name are the same file.
    (landing / "copy_of_orders.csv").write_bytes(
        (landing / "ExportOrderList201903051200.csv").read_bytes()
    )
    assert _load(warehouse, landing).count("skipped") == 3
    assert _table_snapshot(warehouse) == before


def test_every_record_is_loaded_or_quarantined_with_file_line_and_reason(tmp_path, warehouse):
    landing = tmp_path / "landing"
    rows = [
        _order("3500000000000001"),
        _order("3500000000000002", **{"买家实际支付金额": "-1.00"}),
        _order("3500000000000003", **{"订单付款时间": "not a time"}),
        _order("3500000000000004"),
    ]
    path = write_export(landing / "ExportOrderList201903051200.csv", ORDERS_2018, rows)
    path.write_bytes(path.read_bytes() + b'"\xff\xfe\xfd"\r\n')
    report = _load(warehouse, landing)
    (result,) = report.files
    assert (result.rows_in_file, result.rows_loaded, result.rows_quarantined) == (5, 2, 3)
    quarantined = query_quarantine(
        warehouse,
        "select source_file, source_line, reason, raw_text "
        "from raw.quarantine order by source_line",
    )
    assert [(f, line) for f, line, _, _ in quarantined] == [
        ("ExportOrderList201903051200.csv", 3),
        ("ExportOrderList201903051200.csv", 4),
        ("ExportOrderList201903051200.csv", 6),
    ]
    assert "negative amount -1.00" in quarantined[0][2]
    assert "cannot be parsed" in quarantined[1][2]
    assert "cannot be decoded" in quarantined[2][2]
    assert '="3500000000000002"' in quarantined[0][3]  # raw text kept for the fix-up
    ledger = query(
        warehouse,
        "select rows_in_file, rows_loaded, rows_quarantined, status, encoding from raw.file_ledger",
    )
    assert ledger == [(5, 2, 3, "loaded", "utf-8-sig")]


def test_file_missing_a_required_column_is_rejected_whole_and_kept(tmp_path, warehouse):
    landing = tmp_path / "landing"
    header = [h for h in ORDERS_2018 if h != "订单状态"]
    write_export(
        landing / "ExportOrderList201903051200.csv",
        header,
        [_order("3500000000000001"), _order("3500000000000002")],
    )
    (result,) = _load(warehouse, landing).files
    assert result.status == "rejected"
    assert "required column missing: order_status (订单状态)" in result.message
    assert query(warehouse, "select count(*) from raw.taobao_orders") == [(0,)]
    reasons = query(warehouse, "select source_line, reason from raw.quarantine order by 1")
    assert [line for line, _ in reasons] == [2, 3]
    assert all("订单状态" in reason for _, reason in reasons)
    assert query(
        warehouse, "select status, rows_in_file, rows_quarantined from raw.file_ledger"
    ) == [("rejected", 2, 2)]


def test_one_order_id_with_two_amounts_is_quarantined_not_merged(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_export(
        landing / "ExportOrderList201903051200.csv",
        ORDERS_2018,
        [
            _order("3500000000000001"),
            _order("3500000000000002"),
            _order("3500000000000002", **{"买家实际支付金额": "99.00"}),
        ],
    )
    _load(warehouse, landing)
    assert query(warehouse, "select order_id from raw.taobao_orders") == [("3500000000000001",)]
    reasons = query(warehouse, "select source_line, reason from raw.quarantine order by 1")
    assert [line for line, _ in reasons] == [3, 4]
    assert all("different amounts (107.00 vs 99.00)" in r for _, r in reasons)
    # A later export that disagrees with what is loaded is quarantined too; an identical
    # re-export (the normal overlap between export windows) loads.
    write_export(
        landing / "ExportOrderList201906301200.csv",
        ORDERS_2018,
        [
            _order("3500000000000001", **{"买家实际支付金额": "1.00"}),
            _order("3500000000000005"),
        ],
    )
    write_export(
        landing / "ExportOrderList201912311200.csv",
        ORDERS_2018,
        [
            _order("3500000000000001"),
        ],
    )
    _load(warehouse, landing)
    later = query(warehouse, "select reason from raw.quarantine where source_file like '%201906%'")
    assert len(later) == 1 and "already loaded from ExportOrderList201903051200.csv" in later[0][0]
    assert query(
        warehouse, "select count(*) from raw.taobao_orders where order_id = '3500000000000001'"
    ) == [(2,)]


def test_excel_rounded_ids_are_flagged_never_merged(tmp_path, warehouse):
    landing = tmp_path / "landing"
    rows = [_order(f"35153131473293{n}00") for n in range(100, 106)]
    write_export(landing / "ExportOrderList201903051200.csv", ORDERS_2018, rows)
    (result,) = _load(warehouse, landing).files
    assert result.rows_loaded == 0 and result.rows_quarantined == 6
    reasons = query(
        warehouse, "select distinct reason like '%rounded by Excel%' from raw.quarantine"
    )
    assert reasons == [(True,)]


def test_phones_accounts_and_names_are_pseudonymised_before_the_warehouse(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_export(
        landing / "ExportOrderList201903051200.csv", ORDERS_2018, [_order("3500000000000001")]
    )
    _load(warehouse, landing)
    (row,) = query(
        warehouse,
        "select receiver_mobile_hmac, alipay_account_hmac, receiver_name_hmac, "
        "receiver_mobile_kind from raw.taobao_orders",
    )
    assert row == (
        pseudonymise(PII_KEY, "13912345678"),
        pseudonymise(PII_KEY, "b1@163.com"),
        pseudonymise(PII_KEY, "张三"),
        "mobile",
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        dump = str(con.execute("select * from raw.taobao_orders").fetchall())
    assert "13912345678" not in dump and "张三" not in dump and "b1@163.com" not in dump


def test_unsupported_and_unrecognised_files_are_ledgered_not_ignored(tmp_path, warehouse):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "report.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (landing / "broken.xlsx").write_bytes(b"PK\x03\x04")
    (landing / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    results = {r.source_file: r for r in _load(warehouse, landing).files}
    assert results["report.xls"].status == "rejected"
    assert "unsupported file type '.xls'" in results["report.xls"].message
    assert results["broken.xlsx"].status == "rejected"
    assert "not a readable .xlsx workbook" in results["broken.xlsx"].message
    assert results["broken.xlsx"].rows_quarantined == 1
    assert results["notes.csv"].status == "rejected"
    assert results["notes.csv"].rows_quarantined == 1


def test_a_file_that_fails_midway_leaves_nothing_behind(tmp_path, warehouse, monkeypatch):
    landing = tmp_path / "landing"
    write_export(
        landing / "ExportOrderList201903051200.csv",
        ORDERS_2018,
        [_order("3500000000000001"), _order("3500000000000002", **{"买家实际支付金额": "-1"})],
    )
    import ingestion.loader as loader

    def disk_full(*args, **kwargs):
        raise OSError("disk full while writing the ledger")

    monkeypatch.setattr(loader, "_write_ledger", disk_full)
    with pytest.raises(OSError, match="disk full"):
        _load(warehouse, landing)
    monkeypatch.undo()
    for table in ("taobao_orders", "quarantine", "file_ledger"):
        assert query(warehouse, f"select count(*) from raw.{table}") == [(0,)], table
    # Once the fault is gone the same file loads in full.
    assert _load(warehouse, landing).rows_loaded == 1


def test_worker_processes_load_exactly_what_one_process_loads(tmp_path):
    from ingestion.demo.exports import write_exports
    from ingestion.demo.shop import ShopParams, build_shop

    landing = tmp_path / "landing"
    write_exports(build_shop(ShopParams(customers=150, seed=4)), landing)
    bad = landing / "ExportOrderList209901011200.csv"
    write_export(bad, ORDERS_2018, [_order("3500000000000009", **{"买家实际支付金额": "-2"})])
    snapshots = []
    for workers in (1, 2):
        warehouse = tmp_path / f"w{workers}.duckdb"
        with duckdb.connect(str(warehouse)) as con:
            report = load_landing(con, landing, PII_KEY, LOADED_AT, workers=workers)
        assert report.count("loaded") == len(list(landing.iterdir()))
        snapshots.append(_table_snapshot(warehouse))
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[0]["quarantine"]) == 1
