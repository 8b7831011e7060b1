"""A quarantined line is kept for repair, sealed: the warehouse file never holds it in clear."""

import datetime as dt

import duckdb
import pytest

from ingestion import quarantine
from ingestion.demo.exports import ORDERS_2018
from ingestion.loader import load_landing
from ingestion.sealing import Sealer, UnsealError
from tests.conftest import PII_KEY, query, query_quarantine, write_export
from tests.ingestion.test_taobao_exports import ORDER_ROW

PHONE = "13911112222"


def _bad_order_file(landing):
    rows = [
        dict(ORDER_ROW, 订单编号='="3500000000000001"'),
        # an unreadable paid amount rejects the row: its whole line goes to quarantine
        dict(ORDER_ROW, 订单编号='="3500000000000002"', 联系手机=PHONE, 买家实际支付金额="abc"),
    ]
    return write_export(landing / "ExportOrderList201903051200.csv", ORDERS_2018, rows)


def test_the_line_is_sealed_in_the_file_and_opens_with_the_key(tmp_path, warehouse):
    landing = tmp_path / "landing"
    _bad_order_file(landing)
    with duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, landing, PII_KEY, dt.datetime(2026, 11, 1))
        con.execute("checkpoint")
    assert report.rows_quarantined == 1
    ((sealed,),) = query(warehouse, "select raw_text_sealed from raw.quarantine")
    assert sealed.startswith("s1:") and PHONE not in sealed
    assert PHONE.encode() not in warehouse.read_bytes()
    assert b"buyer_1" in warehouse.read_bytes()  # the scan can see text the file does hold
    ((line, raw),) = query_quarantine(warehouse, "select source_line, raw_text from raw.quarantine")
    assert line == 3 and PHONE in raw and "abc" in raw
    with pytest.raises(UnsealError, match="did not seal"):
        Sealer(b"another-key-0123456789abcdef-not-a-secret").open(sealed)


def test_the_command_prints_the_opened_line(tmp_path, warehouse, monkeypatch, capsys):
    landing = tmp_path / "landing"
    _bad_order_file(landing)
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, landing, PII_KEY, dt.datetime(2026, 11, 1))
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FUGOU_PII_KEY", PII_KEY.decode())
    assert quarantine.main(["--file", "ExportOrderList201903051200.csv", "--line", "3"]) == 0
    out = capsys.readouterr().out
    assert "ExportOrderList201903051200.csv:3 [taobao_orders]" in out and PHONE in out
    monkeypatch.setenv("FUGOU_PII_KEY", "another-key-0123456789abcdef-not-a-secret")
    assert quarantine.main([]) == 2
    assert "not the key this warehouse was built with" in capsys.readouterr().err


def test_a_warehouse_made_before_has_its_lines_sealed(tmp_path, warehouse):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.quarantine (source_file varchar not null, source_line integer "
            "not null, file_sha256 varchar not null, target_table varchar, reason varchar not "
            "null, raw_text varchar, quarantined_at timestamp not null)"
        )
        con.execute(
            "insert into raw.quarantine values ('old.csv', 2, 'abc', 'taobao_orders', 'why', "
            f"'\"x\",\"{PHONE}\"', '2026-10-01'), ('old.csv', 0, 'abc', null, 'unreadable', "
            "null, '2026-10-01')"
        )
        (tmp_path / "empty").mkdir()
        load_landing(con, tmp_path / "empty", PII_KEY, dt.datetime(2026, 11, 1))
        columns = [c for (c, *_) in con.execute("describe raw.quarantine").fetchall()]
        assert "raw_text" not in columns
    assert query_quarantine(
        warehouse, "select source_line, raw_text from raw.quarantine order by 1"
    ) == [(0, None), (2, f'"x","{PHONE}"')]


def test_sealing_is_deterministic_and_keyed():
    sealer = Sealer(PII_KEY)
    assert sealer.seal("同一行") == sealer.seal("同一行") != sealer.seal("另一行")
    assert sealer.open(sealer.seal("同一行")) == "同一行"
    assert sealer.seal(None) is None
