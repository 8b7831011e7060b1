"""Deleted rows leave their bytes in a DuckDB file until it is rewritten; compacting removes
them and keeps every live row, view and schema."""

import duckdb

from ingestion import compact
from tests.conftest import PII_KEY, query

SECRET = "上海市浦东新区张江路1号-secret-street"


def test_deleted_bytes_stay_until_the_file_is_compacted(tmp_path, monkeypatch, capsys):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.orders as select i as id, "
            "case when i = 7 then ? else 'plain' end as address from range(5000) t(i)",
            [SECRET],
        )
        con.execute("create view raw.order_count as select count(*) as n from raw.orders")
        con.execute("checkpoint")
        con.execute("delete from raw.orders where id = 7")
        con.execute("checkpoint")
    assert SECRET.encode() in warehouse.read_bytes()  # what the issue found after a CHECKPOINT
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FUGOU_PII_KEY", PII_KEY.decode())
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(tmp_path))
    assert compact.main([]) == 0
    assert "rewritten" in capsys.readouterr().out
    assert SECRET.encode() not in warehouse.read_bytes()
    assert query(warehouse, "select n from raw.order_count") == [(4999,)]
