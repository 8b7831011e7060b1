"""Real-shaped bad files: each loads what it can, quarantines the rest with line and raw text,
and loads the same way on both loader paths (the vectorised one and the Python one)."""

import datetime as dt
from pathlib import Path

import duckdb
import pytest

import ingestion.prepare as prepare
from ingestion.demo.exports import ORDERS_2018
from ingestion.loader import load_landing
from tests.conftest import PII_KEY, query, query_quarantine, write_export
from tests.ingestion.test_taobao_exports import ORDER_ROW

LOADED_AT = dt.datetime(2026, 11, 1, 2, 0)
VECTORISABLE = prepare._vectorisable


def never(parsed) -> bool:
    return False


NAME = "ExportOrderList201903051200.csv"


def _order(order_id: str, **changes: str) -> dict[str, str]:
    return dict(ORDER_ROW, **{"订单编号": f'="{order_id}"'}, **changes)


def _orders(landing: Path, rows: list[dict], encoding: str = "utf-8-sig") -> Path:
    return write_export(landing / NAME, ORDERS_2018, rows, encoding)


def _load_both_ways(tmp_path: Path, landing: Path, monkeypatch) -> dict:
    """Load with and without the vectorised path; both warehouses must hold the same rows."""
    outcomes = []
    for vectorise in (True, False):
        monkeypatch.setattr(prepare, "_vectorisable", VECTORISABLE if vectorise else never)
        warehouse = tmp_path / f"w{vectorise}.duckdb"
        with duckdb.connect(str(warehouse)) as con:
            (result,) = load_landing(con, landing, PII_KEY, LOADED_AT, workers=1).files
        outcomes.append(
            {
                "result": (result.status, result.rows_in_file, result.rows_loaded),
                "orders": query(warehouse, "select * from raw.taobao_orders order by _source_line"),
                "lines": [
                    line
                    for (line,) in query(warehouse, "select _source_line from raw.taobao_orders")
                ],
                "quarantine": query_quarantine(
                    warehouse,
                    "select source_line, reason, raw_text from raw.quarantine order by 1, 2",
                ),
                "warehouse": warehouse,
            }
        )
    fast, python = outcomes
    assert {k: v for k, v in fast.items() if k != "warehouse"} == {
        k: v for k, v in python.items() if k != "warehouse"
    }
    status, records, loaded = fast["result"]
    assert records == loaded + len(fast["quarantine"])
    return fast


def _lines(path: Path, encoding: str = "utf-8-sig") -> list[str]:
    return path.read_bytes().decode(encoding, errors="replace").split("\r\n")


def test_truncated_last_line(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    path = _orders(landing, [_order("3500000000000001"), _order("3500000000000002")])
    path.write_bytes(path.read_bytes()[:-40])  # the export was cut off mid-row
    outcome = _load_both_ways(tmp_path, landing, monkeypatch)
    assert outcome["result"] == ("loaded", 2, 1)
    ((line, reason, raw),) = outcome["quarantine"]
    assert line == 3 and "expected" in reason and raw == _lines(path)[2]


def test_a_gbk_line_inside_a_utf8_file(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    path = _orders(landing, [_order("3500000000000001"), _order("3500000000000002")])
    lines = path.read_bytes().split(b"\r\n")
    lines[2] = lines[2].decode("utf-8").encode("gb18030")  # pasted in from an older export
    path.write_bytes(b"\r\n".join(lines))
    outcome = _load_both_ways(tmp_path, landing, monkeypatch)
    assert outcome["result"] == ("loaded", 2, 1)
    ((line, reason, _),) = outcome["quarantine"]
    assert line == 3 and "cannot be decoded as utf-8" in reason


def test_mixed_line_ends_and_blank_lines(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    path = _orders(landing, [_order(f"350000000000000{i}") for i in range(1, 5)])
    body = path.read_bytes().replace(b"\r\n", b"\n", 2).replace(b"\r\n", b"\r\n\r\n", 1)
    path.write_bytes(body)
    outcome = _load_both_ways(tmp_path, landing, monkeypatch)
    assert outcome["result"] == ("loaded", 4, 4)
    assert sorted(outcome["lines"]) == [2, 3, 5, 6]  # the blank line 4 is skipped, not renumbered


@pytest.mark.parametrize(
    "content, status, message",
    [
        (b"", "rejected", "no header row"),
        (b"\xef\xbb\xbf", "rejected", "no header row"),
        (None, "loaded", ""),  # a header and no rows: a quiet day
    ],
)
def test_empty_files_are_ledgered(tmp_path, monkeypatch, content, status, message):
    landing = tmp_path / "landing"
    path = _orders(landing, [])
    if content is not None:
        path.write_bytes(content)
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        (result,) = load_landing(con, landing, PII_KEY, LOADED_AT).files
        again = load_landing(con, landing, PII_KEY, LOADED_AT).files[0]
    assert (result.status, result.rows_loaded) == (status, 0)
    assert message in result.message
    assert again.status == "skipped"
    assert query(warehouse, "select status from raw.file_ledger") == [(status,)]


def test_rows_moved_out_by_whole_file_rules_keep_their_line(tmp_path, monkeypatch):
    """Excel-rounded ids and amount conflicts are found after typing; the raw text must still be
    the line as exported (the vectorised path reads it back from the file)."""
    landing = tmp_path / "landing"
    path = _orders(
        landing,
        [
            _order("3500000000000001"),
            _order("3500000000000002"),
            _order("3500000000000002", **{"买家实际支付金额": "99.00"}),
        ],
        encoding="gb18030",
    )
    outcome = _load_both_ways(tmp_path, landing, monkeypatch)
    assert outcome["result"] == ("loaded", 3, 1)
    lines = _lines(path, "gb18030")
    assert [(line, raw) for line, _, raw in outcome["quarantine"]] == [
        (3, lines[2]),
        (4, lines[3]),
    ]
    rounded = tmp_path / "rounded"
    _orders(rounded, [_order(f"35000000000{i:03d}00") for i in range(1, 7)])
    (tmp_path / "r").mkdir()
    outcome = _load_both_ways(tmp_path / "r", rounded, monkeypatch)
    assert outcome["result"] == ("loaded", 6, 0)
    raw_lines = _lines(rounded / NAME)
    assert [raw for _, _, raw in outcome["quarantine"]] == raw_lines[1:7]


def test_a_new_column_is_kept_in_extra_and_flagged(tmp_path, monkeypatch):
    """Schema drift: a column no known generation has is loaded as JSON and named in the ledger;
    columns of known generations that Fugou does not use are not."""
    import json

    landing = tmp_path / "landing"
    header = [*ORDERS_2018, "直播间名称", "主播ID"]
    rows = [
        _order("3500000000000001", 直播间名称="复购家居直播间", 主播ID="A'1"),
        _order("3500000000000002", 直播间名称="", 主播ID="B2"),
    ]
    write_export(landing / NAME, header, rows)
    outcome = _load_both_ways(tmp_path, landing, monkeypatch)
    assert outcome["result"] == ("loaded", 2, 2)
    extras = query(outcome["warehouse"], "select _extra from raw.taobao_orders order by 1")
    assert [json.loads(e) for (e,) in extras] == [
        {"直播间名称": "复购家居直播间", "主播ID": "A'1"},
        {"直播间名称": None, "主播ID": "B2"},
    ]
    (ledger,) = query(outcome["warehouse"], "select unknown_columns, message from raw.file_ledger")
    assert ledger == ("直播间名称, 主播ID", "new columns kept in _extra: 直播间名称, 主播ID")


def test_known_columns_that_are_not_loaded_are_not_new(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    _orders(landing, [_order("3500000000000001")])
    outcome = _load_both_ways(tmp_path, landing, monkeypatch)
    assert query(outcome["warehouse"], "select _extra from raw.taobao_orders") == [(None,)]
    assert query(outcome["warehouse"], "select unknown_columns from raw.file_ledger") == [("",)]
