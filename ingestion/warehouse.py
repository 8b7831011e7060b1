"""Small questions about the DuckDB warehouse that more than one writer asks."""

from __future__ import annotations

import duckdb


def tables_in_schema(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Tables of `schema` in the connection's own database (not in attached ones), by name."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_catalog = current_database() order by table_name",
        [schema],
    ).fetchall()
    return [table for (table,) in rows]
