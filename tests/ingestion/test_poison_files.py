"""One poison export never stops the others: any exception while reading a file becomes that
file's ledger row (status failed) and the rest of the landing folder loads; giant cells and
absurdly wide files are bounded; the same bytes twice in one batch load once on every path."""

import datetime as dt
import shutil

import duckdb
import pytest

import ingestion.loader as loader
from ingestion.loader import load_landing
from ingestion.sources.csv_reading import FIELD_LIMIT, MAX_RAW_TEXT
from ingestion.sources.taobao_headers import QIANNIU_SHIPMENTS_SHEET
from tests.conftest import PII_KEY, query, query_quarantine, write_export
from tests.fixtures.real_exports import gen_a_2017_order, write_gen_a_2017

LOADED_AT = dt.datetime(2026, 11, 1, 2, 0)
BIG_MESSAGE = "长" * ((5 << 20) // 3) + "\n换行"  # 5 MB of UTF-8 with a quoted line break


def _orders(landing, name: str, numbers, **cells):
    rows = [gen_a_2017_order(n, hex_phones=False) for n in numbers]
    return write_gen_a_2017(landing / name, rows, encoding="utf-8")


def _load(warehouse, landing, workers=1):
    with duckdb.connect(str(warehouse)) as con:
        return {
            r.source_file: r
            for r in load_landing(con, landing, PII_KEY, LOADED_AT, workers=workers).files
        }


def test_a_file_whose_reading_raises_is_failed_and_the_rest_load(tmp_path, monkeypatch):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    _orders(landing, "ExportOrderList201705311200.csv", range(1, 4))
    _orders(landing, "ExportOrderList201705311300.csv", range(4, 7))
    _orders(landing, "ExportOrderList201705311400.csv", range(7, 10))
    real = loader.prepare_file

    def poisoned(path, *args, **kwargs):
        if path.name.endswith("1300.csv"):
            raise MemoryError("simulated: the reader ran out of memory")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(loader, "prepare_file", poisoned)
    results = _load(warehouse, landing)
    assert [r.status for r in results.values()] == ["loaded", "failed", "loaded"]
    assert "MemoryError" in results["ExportOrderList201705311300.csv"].message
    assert query(warehouse, "select count(*) from raw.taobao_orders") == [(6,)]
    assert query(warehouse, "select status from raw.file_ledger order by source_file") == [
        ("loaded",),
        ("failed",),
        ("loaded",),
    ]
    # Still failing: the ledger keeps one row for it, not one per night.
    _load(warehouse, landing)
    assert query(warehouse, "select count(*) from raw.file_ledger") == [(3,)]
    # The reader is fixed: the next run loads the file, and its failed row is replaced.
    monkeypatch.setattr(loader, "prepare_file", real)
    results = _load(warehouse, landing)
    assert results["ExportOrderList201705311300.csv"].status == "loaded"
    assert query(warehouse, "select count(*) from raw.taobao_orders") == [(9,)]
    assert query(warehouse, "select status, count(*) from raw.file_ledger group by 1") == [
        ("loaded", 3)
    ]


def test_a_failed_commit_rolls_back_its_file_only(tmp_path, monkeypatch):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    _orders(landing, "ExportOrderList201705311200.csv", range(1, 4))
    _orders(landing, "ExportOrderList201705311300.csv", range(4, 7))
    real = loader._load_in_transaction

    def breaks_midway(con, prepared, *args):
        result = real(con, prepared, *args)  # rows inserted, then the write fails
        if prepared.name.endswith("1200.csv"):
            raise duckdb.OutOfMemoryException("simulated")
        return result

    monkeypatch.setattr(loader, "_load_in_transaction", breaks_midway)
    results = _load(warehouse, landing)
    assert [r.status for r in results.values()] == ["failed", "loaded"]
    # Nothing of the failed file is left behind in raw.
    assert query(warehouse, "select distinct _source_file from raw.taobao_orders") == [
        ("ExportOrderList201705311300.csv",)
    ]


@pytest.mark.parametrize("vectorise", [True, False])
def test_giant_cells_load_up_to_the_limit_and_are_quarantined_clipped_beyond(
    tmp_path, monkeypatch, vectorise
):
    import ingestion.prepare as prepare

    if not vectorise:
        monkeypatch.setattr(prepare, "_vectorisable", lambda parsed: False)
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    rows = [gen_a_2017_order(n, hex_phones=False) for n in range(1, 5)]
    # 5 MB with a quoted line break (crashed the loader); 300 KB on one line (the Python path
    # refused it); one over the limit (a 70 MB line peaked at 2.5 GB).
    rows[0] = gen_a_2017_order(1, hex_phones=False, 买家留言=BIG_MESSAGE)
    rows[1] = gen_a_2017_order(2, hex_phones=False, 买家留言="x" * 300_000)
    rows[2] = gen_a_2017_order(3, hex_phones=False, 订单备注="y" * (FIELD_LIMIT + 10))
    write_gen_a_2017(landing / "ExportOrderList201705311200.csv", rows, encoding="utf-8")
    _orders(landing, "ExportOrderList201705311300.csv", range(10, 12))
    results = _load(warehouse, landing)
    first = results["ExportOrderList201705311200.csv"]
    assert (first.status, first.rows_loaded, first.rows_quarantined) == ("loaded", 3, 1)
    assert results["ExportOrderList201705311300.csv"].rows_loaded == 2
    ((line, reason, kept),) = query_quarantine(
        warehouse, "select source_line, reason, length(raw_text) from raw.quarantine"
    )
    assert line == 5 and "field limit" in reason  # the header is line 1, the 5 MB cell 2-3
    assert MAX_RAW_TEXT < kept < MAX_RAW_TEXT + 100
    assert query(
        warehouse,
        "select _source_line, length(buyer_message) from raw.taobao_orders "
        "where _source_file = ? order by 1",
        [first.source_file],
    ) == [(2, len(BIG_MESSAGE)), (4, 300_000), (6, None)]


def test_a_file_of_twenty_thousand_columns_is_refused_whole_and_kept(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    landing.mkdir()
    header = ["订单编号", "买家会员名", "买家实际支付金额", "订单状态", "订单创建时间"]
    header += [f"c{i}" for i in range(20_000)]
    line = ["3500000000000001", "nick", "1.00", "交易成功", "2017-05-01 10:00:00"] + ["v"] * 20_000
    (landing / "ExportOrderList201705311200.csv").write_text(
        ",".join(header) + "\n" + "\n".join([",".join(line)] * 50) + "\n", encoding="utf-8"
    )
    _orders(landing, "ExportOrderList201705311300.csv", range(1, 3))
    results = _load(warehouse, landing)
    wide = results["ExportOrderList201705311200.csv"]
    assert wide.status == "rejected" and "20,005 columns" in wide.message
    assert (wide.rows_in_file, wide.rows_quarantined) == (50, 50)
    assert results["ExportOrderList201705311300.csv"].rows_loaded == 2


def test_the_same_export_twice_in_a_parallel_batch_loads_once(tmp_path):
    """Two workers on the same bytes shared one spool folder (FileNotFoundError, 5 of 5)."""
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    first = _orders(landing, "ExportOrderList201705311200.csv", range(1, 30))
    shutil.copy(first, landing / "copy of ExportOrderList201705311200.csv")
    _orders(landing, "ExportOrderList201705311300.csv", range(40, 45))
    results = _load(warehouse, landing, workers=2)
    statuses = {name: r.status for name, r in results.items()}
    assert statuses == {
        "ExportOrderList201705311200.csv": "loaded",
        "ExportOrderList201705311300.csv": "loaded",
        "copy of ExportOrderList201705311200.csv": "skipped",
    }
    assert "same content as" in results["copy of ExportOrderList201705311200.csv"].message
    assert query(warehouse, "select count(*) from raw.taobao_orders") == [(34,)]


def test_hidden_files_are_named_and_a_rejected_file_renamed_loads(tmp_path):
    """A dot-file was skipped without trace; a 发货报表 saved under a name Fugou does not know
    (it is recognised by its name only) stayed 'already loaded' after the shop renamed it."""
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    _orders(landing, ".ExportOrderList201705311200.csv.part", range(1, 3))
    (landing / ".top_pull_state.json").write_text("{}")  # Fugou's own: not reported
    shipment = {"订单编号": "3500000000000001", "收货人姓名": "张三", "联系手机": "13912345678"}
    misnamed = write_export(landing / "发货.csv", QIANNIU_SHIPMENTS_SHEET, [shipment])
    results = _load(warehouse, landing)
    hidden = results[".ExportOrderList201705311200.csv.part"]
    assert hidden.status == "skipped" and "hidden" in hidden.message
    assert ".top_pull_state.json" not in results
    assert results["发货.csv"].status == "rejected"
    assert query(warehouse, "select count(*) from raw.quarantine") == [(1,)]
    # The same bytes under the same name stay rejected; under a new name they are tried again.
    assert _load(warehouse, landing)["发货.csv"].status == "skipped"
    misnamed.rename(landing / "发货报表20240630.csv")
    results = _load(warehouse, landing)
    assert results["发货报表20240630.csv"].status == "loaded"
    assert query(warehouse, "select count(*) from raw.taobao_shipments") == [(1,)]
    # Its row is accounted for once: loaded, and no longer in quarantine.
    assert query(warehouse, "select count(*) from raw.quarantine") == [(0,)]
    assert query(warehouse, "select source_file, status from raw.file_ledger") == [
        ("发货报表20240630.csv", "loaded")
    ]
