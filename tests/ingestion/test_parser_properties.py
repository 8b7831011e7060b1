"""Whatever bytes land, the loader neither crashes nor loses a record, and reloading is a no-op."""

import datetime as dt

import duckdb
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingestion.demo.exports import ORDERS_2018
from ingestion.loader import load_landing
from ingestion.sources.csv_reading import Record, detect_encoding, read_records
from tests.conftest import PII_KEY

CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            '="3500000000000001"',
            "'13912345678",
            "58.51元",
            "-1",
            "2019/3/5 8:07",
            "交易成功",
            "null",
            "1.2E+17",
            "",
            "No:123",
        ]
    ),
)
HEADER = ",".join(f'"{h}"' for h in ORDERS_2018)


def _csv_row(cells):
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells)


def _export_bytes(rows, junk: bytes, encoding: str) -> bytes:
    body = "\r\n".join([HEADER] + [_csv_row(r) for r in rows]).encode(encoding, errors="replace")
    return body + b"\r\n" + junk


# A 订单报表 of odd cells and short or long rows, in either encoding, with junk bytes at the end.
EXPORT_BYTES = st.builds(
    _export_bytes,
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=len(ORDERS_2018) + 2), max_size=8),
    junk=st.binary(max_size=40),
    encoding=st.sampled_from(["utf-8-sig", "gb18030"]),
)
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY_SETTINGS
@given(content=EXPORT_BYTES)
def test_loaded_plus_quarantined_equals_records(tmp_path_factory, content):
    root = tmp_path_factory.mktemp("prop")
    landing = root / "landing"
    landing.mkdir()
    path = landing / "ExportOrderList201903051200.csv"
    path.write_bytes(content)
    expected = sum(1 for item in read_records(path, detect_encoding(path))) - 1  # minus header
    with duckdb.connect(str(root / "w.duckdb")) as con:
        (result,) = load_landing(con, landing, PII_KEY, dt.datetime(2026, 1, 1)).files
        assert result.rows_in_file == result.rows_loaded + result.rows_quarantined
        assert result.rows_in_file == max(expected, 0) or result.status == "rejected"
        loaded = con.execute("select count(*) from raw.taobao_orders").fetchone()[0]
        quarantined = con.execute("select count(*) from raw.quarantine").fetchone()[0]
        assert (loaded, quarantined) == (result.rows_loaded, result.rows_quarantined)
        again = load_landing(con, landing, PII_KEY, dt.datetime(2026, 1, 2))
        assert again.files[0].status == "skipped"
        assert con.execute("select count(*) from raw.quarantine").fetchone()[0] == quarantined


def test_records_count_blank_lines_out_and_quoted_newlines_in(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b'"a","b"\r\n\r\n"1","x\r\ny"\r\n"2","z"\r\n')
    records = [r for r in read_records(path, "utf-8") if isinstance(r, Record)]
    assert [r.line for r in records] == [1, 3, 5]


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.sampled_from(["3600000000000001", "TRADE_FINISHED", "2026-10-01 10:00:00", "88.00", ""]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
TRADE_KEYS = ["tid", "status", "created", "payment", "buyer_nick", "orders", "oid", "num", "price"]
# A TOP trades dump whose trades and orders hold any JSON at the fields the loader reads.
TRADES = st.lists(
    st.dictionaries(st.sampled_from(TRADE_KEYS) | st.text(max_size=6), JSON_VALUES, max_size=7),
    max_size=5,
)


@PROPERTY_SETTINGS
@given(trades=TRADES, wrapped=st.booleans())
# found by this test: a field named NUL ended the SQL literal of the overflow column
@example(
    trades=[{"tid": None, "status": None, "created": None, "payment": None, "\x00": None}],
    wrapped=False,
)
def test_any_trades_dump_loads_or_is_rejected_and_nothing_is_lost(
    tmp_path_factory, trades, wrapped
):
    import json

    root = tmp_path_factory.mktemp("prop_json")
    landing = root / "landing"
    landing.mkdir()
    body = {"trades": {"trade": trades} if wrapped else trades, "total_results": len(trades)}
    document = {"trades_sold_get_response": body} if wrapped else body
    (landing / "TopTrades.json").write_text(json.dumps(document), encoding="utf-8")
    with duckdb.connect(str(root / "w.duckdb")) as con:
        (result,) = load_landing(con, landing, PII_KEY, dt.datetime(2026, 1, 1)).files
        assert result.rows_in_file == result.rows_loaded + result.rows_quarantined
        loaded = sum(
            con.execute(f"select count(*) from raw.{t}").fetchone()[0]
            for t in ("top_trades", "top_trade_orders")
        )
        quarantined = con.execute("select count(*) from raw.quarantine").fetchone()[0]
        assert (loaded, quarantined) == (result.rows_loaded, result.rows_quarantined)
        if result.status == "loaded":
            # every trade is a row of raw.top_trades or of the quarantine
            trade_rows = con.execute(
                "select (select count(*) from raw.top_trades) + (select count(*) from"
                " raw.quarantine where source_file like '%#trades')"
            ).fetchone()[0]
            assert trade_rows == len(trades)
        again = load_landing(con, landing, PII_KEY, dt.datetime(2026, 1, 2))
        assert again.files[0].status == "skipped"
