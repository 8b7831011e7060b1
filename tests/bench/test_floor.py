"""bench/floor.py's lower bounds must read and write what the pipeline reads and writes, or the
comparison it is quoted for says nothing."""

from __future__ import annotations

import json

import duckdb

from bench.floor import copy_tables, read_exports


def test_read_exports_reads_every_csv_and_json_row_and_names_what_it_left_out(tmp_path):
    landing, scratch = tmp_path / "landing", tmp_path / "scratch"
    landing.mkdir()
    scratch.mkdir()
    header = '"订单编号","买家会员名","收货地址 "\r\n'
    rows = "".join(f'="{n}","买家{n}","浙江省 杭州市"\r\n' for n in range(5))
    (landing / "ExportOrderList201906301800.csv").write_bytes((header + rows).encode("gb18030"))
    (landing / "ExportOrderList202006301800.csv").write_bytes(
        ("\ufeff" + header + rows[: rows.index("\r\n") + 2]).encode("utf-8")
    )
    (landing / "TopTrades.jsonl").write_text(
        "\n".join(json.dumps({"tid": str(n), "buyer_nick": "买家"}) for n in range(3)) + "\n"
    )
    (landing / "jst_orders.json").write_text(json.dumps({"data": {"orders": [{"o_id": 1}] * 4}}))
    (landing / "ExportOrderList202306301800.xlsx").write_bytes(b"PK\x03\x04")

    result = read_exports(landing, scratch)

    assert result["files"] == 4
    # JSON Lines count their lines; a JSON document counts once, whatever it holds.
    assert result["rows_or_json_documents"] == 5 + 1 + 3 + 1
    assert result["left_out"] == ["ExportOrderList202306301800.xlsx"]
    with duckdb.connect(str(scratch / "exports.duckdb"), read_only=True) as con:
        # The GB18030 file was decoded, not read as mojibake: its header names a column 买家会员名.
        names = {
            name for (name,) in con.execute("select column_name from duckdb_columns()").fetchall()
        }
    assert "买家会员名" in names


def test_copy_tables_writes_every_built_table_and_nothing_else(tmp_path):
    warehouse, scratch = tmp_path / "warehouse.duckdb", tmp_path / "scratch"
    scratch.mkdir()
    with duckdb.connect(str(warehouse)) as con:
        for schema in ("raw", "intermediate", "marts"):
            con.execute(f"create schema {schema}")
        con.execute("create table raw.orders as select range as id from range(50)")
        con.execute("create table intermediate.int_a as select range as id from range(7)")
        con.execute("create table intermediate.int_b as select range as id from range(3)")
        con.execute("create table marts.fct_c as select range as id from range(11)")

    result = copy_tables(warehouse, scratch)

    assert result["rows"] == {
        "intermediate": 10,
        "intermediate_tables": 2,
        "marts": 11,
        "marts_tables": 1,
    }
    with duckdb.connect(str(scratch / "copy.duckdb"), read_only=True) as con:
        copied = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        ).fetchall()
    assert copied == [("intermediate.int_a",), ("intermediate.int_b",), ("marts.fct_c",)]
