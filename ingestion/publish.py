"""Publish the marts to a separate DuckDB file for BI tools.

DuckDB has one writer, and a BI tool holding the warehouse file (even read-only) would make the
nightly run fail. So BI tools read a copy: the marts are written to a temporary file next to the
published one and moved over it atomically, so a reader sees either last night's file or
tonight's, never a half-written one. Readers that keep the old file open keep reading it.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ingestion.warehouse import tables_in_schema


def publish_marts(con: duckdb.DuckDBPyConnection, target: Path, schema: str = "marts") -> dict:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp")
    # A publish killed midway leaves its temporary file (and DuckDB's log of it) behind.
    for leftover in (staging, staging.with_name(f"{staging.name}.wal")):
        leftover.unlink(missing_ok=True)
    tables = tables_in_schema(con, schema)
    con.execute(f"attach '{staging}' as bi_publish")
    try:
        con.execute(f"create schema bi_publish.{schema}")
        for table in tables:
            con.execute(
                f"create table bi_publish.{schema}.{table} as select * from {schema}.{table}"
            )
    finally:
        con.execute("detach bi_publish")
    os.replace(staging, target)
    return {
        table: con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
        for table in tables
    }
