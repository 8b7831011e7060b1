"""The prediction tables' writer: rows replaced by key (a history of fits), whole-table
replacement, and a failed write leaving the old rows."""

import datetime as dt

import duckdb
import pandas as pd
import pytest

from dagster_project.defs.shared.warehouse import Warehouse
from predictions.tables import TableSpec

HISTORY = TableSpec(
    schema="marts",
    name="fit_history",
    columns=(("as_of_date", "date"), ("r", "double precision")),
    replace_rows_by=("as_of_date",),
)
LATEST = TableSpec(
    schema="marts",
    name="latest",
    columns=(("customer_id", "text"), ("p_alive", "double precision")),
)


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> Warehouse:
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("FUGOU_PII_KEY", "writer-test-key-0123456789abcdef-not-secret")
    monkeypatch.setenv("FUGOU_DBT_TARGET", "duckdb")
    return Warehouse()


def rows(warehouse: Warehouse, table: str) -> list[tuple]:
    with duckdb.connect(str(warehouse.settings().warehouse), read_only=True) as con:
        return con.execute(f"select * from marts.{table} order by all").fetchall()


def test_rows_are_replaced_by_key_and_other_keys_kept(warehouse):
    day1, day2 = dt.date(2026, 10, 30), dt.date(2026, 10, 31)
    warehouse.write_table(HISTORY, pd.DataFrame({"as_of_date": [day1], "r": [0.4]}))
    warehouse.write_table(HISTORY, pd.DataFrame({"as_of_date": [day2], "r": [0.5]}))
    warehouse.write_table(HISTORY, pd.DataFrame({"as_of_date": [day1], "r": [0.45]}))
    assert rows(warehouse, "fit_history") == [(day1, 0.45), (day2, 0.5)]


def test_a_table_without_key_is_replaced_whole_and_a_failed_write_keeps_it(warehouse):
    warehouse.write_table(LATEST, pd.DataFrame({"customer_id": ["a", "b"], "p_alive": [1.0, 0.5]}))
    warehouse.write_table(LATEST, pd.DataFrame({"customer_id": ["c"], "p_alive": [0.2]}))
    assert rows(warehouse, "latest") == [("c", 0.2)]
    with pytest.raises(duckdb.ConversionException):
        warehouse.write_table(LATEST, pd.DataFrame({"customer_id": ["d"], "p_alive": ["high"]}))
    assert rows(warehouse, "latest") == [("c", 0.2)]


def test_a_frame_that_does_not_match_the_declaration_is_refused(warehouse):
    with pytest.raises(ValueError, match=r"missing \['p_alive'\], not declared \['score'\]"):
        warehouse.write_table(LATEST, pd.DataFrame({"customer_id": ["a"], "score": [1.0]}))


def test_table_metadata_counts_tables_and_leaves_views_unread(tmp_path):
    import duckdb

    from dagster_project.defs.shared.warehouse import table_metadata

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema staging")
        con.execute("create table staging.t as select range as n from range(7)")
        # a view that fails when read: table_metadata must not read it
        con.execute("create view staging.v as select cast('x' as integer) as n from staging.t")
        table = table_metadata(con, "staging", "t")
        view = table_metadata(con, "staging", "v")
    assert table["dagster/row_count"].value == 7
    assert "n" in table["preview"].value
    assert "dagster/row_count" not in view and "view" in view["relation"]
