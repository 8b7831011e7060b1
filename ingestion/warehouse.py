"""Small questions about the DuckDB warehouse that more than one writer asks."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb


def tables_in_schema(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    """Tables of `schema` in the connection's own database (not in attached ones), by name."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_catalog = current_database() order by table_name",
        [schema],
    ).fetchall()
    return [table for (table,) in rows]


class Db:
    """The few statements the operator commands (erasure, the spreadsheet check) run on either
    target: a DuckDB connection or a psycopg2 one, `?` placeholders for both."""

    def __init__(self, con) -> None:
        self.con = con
        self.is_duckdb = isinstance(con, duckdb.DuckDBPyConnection)

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        if self.is_duckdb:
            return self.con.execute(sql, params or []).fetchall()
        with self.con.cursor() as cur:
            cur.execute(*self._pg(sql, params))
            return cur.fetchall() if cur.description else []

    def execute(self, sql: str, params: list | None = None) -> int:
        if self.is_duckdb:
            result = self.con.execute(sql, params or []).fetchall()
            return int(result[0][0]) if result else 0  # a delete answers with its count
        with self.con.cursor() as cur:
            cur.execute(*self._pg(sql, params))
            return cur.rowcount

    @staticmethod
    def _pg(sql: str, params: list | None) -> tuple:
        """psycopg2 spells placeholders %s, so a literal % (LIKE) is %% when there are any."""
        if not params:
            return (sql,)
        return sql.replace("%", "%%").replace("?", "%s"), params

    def insert_many(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        marks = ", ".join("?" for _ in rows[0])
        if self.is_duckdb:
            self.con.executemany(f"insert into {table} values ({marks})", rows)
        else:
            with self.con.cursor() as cur:
                cur.executemany(f"insert into {table} values ({marks.replace('?', '%s')})", rows)

    def has_table(self, schema: str, table: str) -> bool:
        return bool(
            self.rows(
                "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
                [schema, table],
            )
        )

    def columns(self, schema: str, table: str) -> list[str]:
        return [
            name
            for (name,) in self.rows(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            )
        ]


class WarehouseInUseError(RuntimeError):
    """Another process holds the warehouse file (DuckDB allows one): most often a BI tool or a
    notebook opened it instead of the published copy."""

    def __init__(self, path: Path, published: Path, cause: Exception) -> None:
        holder = re.search(r"\(PID (\d+)\)", str(cause))
        who = f"process {holder.group(1)}" if holder else "another process"
        super().__init__(
            f"the warehouse {path} is open in {who}, and DuckDB lets one process at a time use "
            f"it: BI tools and notebooks must open the published copy at {published} instead. "
            "Close it there and run again."
        )

    @classmethod
    def raised_by(cls, exc: duckdb.IOException, path: Path, published: Path) -> WarehouseInUseError:
        """The error to raise for DuckDB's IOException: this one for its lock error, else the
        same exception."""
        if "lock" not in str(exc).lower():
            raise exc
        return cls(path, published, exc)
