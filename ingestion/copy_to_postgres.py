"""Copy the raw schema of the DuckDB warehouse into PostgreSQL, for the dbt `postgres` target.

The path for a shop that outgrows one machine: keep loading with Fugou's loader (the ledger and
quarantine live beside the raw tables), then hand the raw schema to a shared PostgreSQL where
`dbt build --target postgres` builds the same marts. Each table's rows are replaced in one
transaction; a table whose columns changed is recreated (its staging views go with it, and the
next dbt build makes them again).

    python -m ingestion.copy_to_postgres --dsn "host=127.0.0.1 dbname=test user=postgres"
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import duckdb
import psycopg2

from ingestion.settings import load_settings
from ingestion.warehouse import tables_in_schema

_TYPE_MAP = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "DOUBLE": "double precision",
}


def _pg_type(duck_type: str) -> str:
    if duck_type.startswith("DECIMAL"):
        return duck_type.replace("DECIMAL", "numeric")
    return _TYPE_MAP[duck_type]


def _pg_columns(cur, schema: str, table: str) -> list[tuple[str, str]]:
    """A PostgreSQL table's columns as (name, type) the way _pg_type spells them."""
    cur.execute(
        "select column_name, case when data_type = 'numeric'"
        " then 'numeric(' || numeric_precision || ',' || numeric_scale || ')' else data_type end"
        " from information_schema.columns where table_schema = %s and table_name = %s"
        " order by ordinal_position",
        [schema, table],
    )
    return [(name, kind.replace("timestamp without time zone", "timestamp")) for name, kind in cur]


def copy_raw_schema(warehouse: Path, dsn: str, schema: str = "raw") -> dict[str, int]:
    copied: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as duck, psycopg2.connect(dsn) as pg:
        tables = tables_in_schema(duck, schema)
        with pg.cursor() as cur:
            cur.execute(f'create schema if not exists "{schema}"')
            for table in tables:
                columns = duck.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                wanted = [(name, _pg_type(kind)) for name, kind in columns]
                if _pg_columns(cur, schema, table) == wanted:
                    # the staging views built on it stay; dbt would rebuild them, but a BI
                    # session reading them mid-copy would break
                    cur.execute(f'truncate table "{schema}"."{table}"')
                else:
                    ddl = ", ".join(f'"{name}" {kind}' for name, kind in wanted)
                    # a changed table takes the views built on it along (the next dbt build
                    # makes them again)
                    cur.execute(f'drop table if exists "{schema}"."{table}" cascade')
                    cur.execute(f'create table "{schema}"."{table}" ({ddl})')
                frame = duck.execute(f'select * from "{schema}"."{table}"').df()
                buffer = io.StringIO()
                frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
                buffer.seek(0)
                cur.copy_expert(
                    f'copy "{schema}"."{table}" from stdin with (format csv, null \'\\N\')', buffer
                )
                copied[table] = len(frame)
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True, help="libpq connection string")
    args = parser.parse_args(argv)
    for table, rows in copy_raw_schema(load_settings().warehouse, args.dsn).items():
        print(f"raw.{table}: {rows} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
