"""The DuckDB warehouse as a Dagster resource.

DuckDB allows one writer process, and any other process holding the file (even read-only) makes
that writer fail. So every asset that touches the file runs in the `duckdb_warehouse` pool with
a limit of one, connections are opened per use and closed before the next step (dbt runs in its
own process), and BI tools read the separately published copy, never this file.

Python assets that read marts and write prediction tables do so on the dbt target in use
(`read_frame`, `write_table`), so they run on the DuckDB default and on PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import psycopg2
from pydantic import PrivateAttr

from dagster_project.defs.shared.nights import partition_day
from ingestion.personal_data import masked_frame
from ingestion.settings import Settings, load_settings, shop_day
from ingestion.warehouse import WarehouseInUseError
from predictions.tables import TableSpec

WAREHOUSE_POOL = "duckdb_warehouse"


class Warehouse(dg.ConfigurableResource):
    """Connections to the warehouse file named by FUGOU_WAREHOUSE.

    The settings are read from the environment once, when a run sets the resource up, and every
    step of the run uses that one reading (a step reading the environment for itself could
    see a different warehouse or target than the step before it)."""

    _settings: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._settings = load_settings()

    def settings(self) -> Settings:
        if self._settings is None:  # outside a run: a sensor, a script, a test
            self._settings = load_settings()
        return self._settings

    def as_of(self, context: dg.OpExecutionContext | dg.AssetCheckExecutionContext) -> dt.date:
        """The day this run describes, the same for each of its steps: the run's partition (the
        nightly assets are partitioned by day, see nights.py). A run of unpartitioned assets
        takes FUGOU_AS_OF where set, else the day the run started in Asia/Shanghai (each step
        working out "today" for itself let a run that crossed midnight build the marts for one
        day and fit the predictions for the next)."""
        day = partition_day(context.run)
        if day is not None:
            return day
        settings = self.settings()
        if settings.as_of_explicit:
            return settings.as_of
        record = context.instance.get_run_record_by_id(context.run.run_id)
        if record is None:
            return settings.as_of
        started = record.start_time or record.create_timestamp.timestamp()
        return shop_day(started)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        settings = self.settings()
        path: Path = settings.warehouse
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(
                str(path),
                read_only=read_only,
                config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
            )
        except duckdb.IOException as exc:
            raise WarehouseInUseError.raised_by(exc, path, settings.published_warehouse) from None
        try:
            yield con
        finally:
            con.close()

    def read_frame(self, sql: str) -> pd.DataFrame:
        """A query's result from the warehouse of the dbt target in use."""
        settings = self.settings()
        if settings.dbt_target == "duckdb":
            with self.connect(read_only=True) as con:
                return con.execute(sql).df()
        with closing(psycopg2.connect(settings.postgres_dsn)) as conn, conn.cursor() as cur:
            cur.execute(sql)
            columns = [d.name for d in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=columns)

    def read_chunks(self, sql: str, rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
        """A query's result a chunk of about `rows` rows at a time, for results too large to
        hold whole as Python objects (ten million purchase lines)."""
        settings = self.settings()
        if settings.dbt_target == "duckdb":
            with self.connect(read_only=True) as con:
                result = con.execute(sql)
                first = True
                while True:
                    # DuckDB hands rows out in vectors of 2,048; an empty first chunk still
                    # carries the columns
                    chunk = result.fetch_df_chunk(max(1, rows // 2048))
                    if chunk.empty and not first:
                        return
                    yield chunk
                    if chunk.empty:
                        return
                    first = False
            return
        # a named cursor: PostgreSQL sends the rows as they are fetched, not all at once
        with (
            closing(psycopg2.connect(settings.postgres_dsn)) as conn,
            conn.cursor(name="fugou_chunks") as cur,
        ):
            cur.execute(sql)
            while True:
                fetched = cur.fetchmany(rows)
                columns = [d.name for d in cur.description]
                yield pd.DataFrame(fetched, columns=columns)
                if len(fetched) < rows:
                    return

    def write_table(self, spec: TableSpec, frame: pd.DataFrame) -> int:
        """Replace the table's rows (or those sharing `spec.replace_rows_by` values with the
        frame) by the frame, in one transaction: a failed write leaves the old rows. The table is
        created from the spec, and recreated if its columns differ from it."""
        frame = spec.conform(frame)
        if self.settings().dbt_target == "duckdb":
            with self.connect() as con:
                _write_duckdb(con, spec, frame)
        else:
            dsn = self.settings().postgres_dsn
            # closing() closes the connection; `conn` as a context commits or rolls back
            with closing(psycopg2.connect(dsn)) as conn, conn, conn.cursor() as cur:
                _write_postgres(cur, spec, frame)
        return len(frame)


def _ddl(spec: TableSpec) -> str:
    columns = ", ".join(f'"{name}" {sql_type}' for name, sql_type in spec.columns)
    return f'create table "{spec.schema}"."{spec.name}" ({columns})'


def _delete(spec: TableSpec, frame: pd.DataFrame) -> tuple[str, list]:
    """The delete that makes room for the frame's rows, with its parameters."""
    target = f'"{spec.schema}"."{spec.name}"'
    if not spec.replace_rows_by:
        return f"delete from {target}", []
    keys = frame[list(spec.replace_rows_by)].drop_duplicates()
    if keys.empty:
        return f"delete from {target} where false", []
    match = " and ".join(f'"{c}" = %s' for c in spec.replace_rows_by)
    where = " or ".join(f"({match})" for _ in range(len(keys)))
    params = [None if pd.isna(v) else v for row in keys.itertuples(index=False) for v in row]
    return f"delete from {target} where {where}", params


def _write_duckdb(con: duckdb.DuckDBPyConnection, spec: TableSpec, frame: pd.DataFrame) -> None:
    con.execute("begin")
    try:
        con.execute(f'create schema if not exists "{spec.schema}"')
        existing = con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? and table_catalog = current_database() "
            "order by ordinal_position",
            [spec.schema, spec.name],
        ).fetchall()
        if [name for (name,) in existing] != spec.column_names:
            con.execute(f'drop table if exists "{spec.schema}"."{spec.name}"')
            con.execute(_ddl(spec))
        delete, params = _delete(spec, frame)
        con.execute(delete.replace("%s", "?"), params)
        con.register("fugou_frame", frame)
        columns = ", ".join(f'"{c}"' for c in spec.column_names)
        con.execute(
            f'insert into "{spec.schema}"."{spec.name}" ({columns}) select {columns} from fugou_frame'
        )
        con.unregister("fugou_frame")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _write_postgres(cur, spec: TableSpec, frame: pd.DataFrame) -> None:
    """Inside the caller's transaction (psycopg2 commits when its `with` block ends)."""
    cur.execute(f'create schema if not exists "{spec.schema}"')
    cur.execute(
        "select column_name from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position",
        [spec.schema, spec.name],
    )
    if [name for (name,) in cur.fetchall()] != spec.column_names:
        cur.execute(f'drop table if exists "{spec.schema}"."{spec.name}"')
        cur.execute(_ddl(spec))
    cur.execute(*_delete(spec, frame))
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="")
    buffer.seek(0)
    columns = ", ".join(f'"{c}"' for c in spec.column_names)
    cur.copy_expert(
        f'copy "{spec.schema}"."{spec.name}" ({columns}) from stdin with (format csv, null \'\')',
        buffer,
    )


def table_metadata(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict:
    """Row count and a five-row preview, shown on the asset's page in the Dagster UI, with
    personal values masked (the run storage keeps every run's metadata). Not for a view: reading
    a staging view runs its whole parse of a raw table again, and counting the 25 of them took
    2.8 s of every night at 100k customers (10x that at 1M) to show what the raw tables show."""
    (kind,) = con.execute(
        "select table_type from information_schema.tables where table_schema = ? "
        "and table_name = ? and table_catalog = current_database()",
        [schema, table],
    ).fetchone() or ("BASE TABLE",)
    if kind == "VIEW":
        return {"relation": "view (not counted: reading it reruns it over the raw tables)"}
    rows = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
    preview = masked_frame(con.execute(f'select * from "{schema}"."{table}" limit 5').df())
    return {
        "dagster/row_count": dg.MetadataValue.int(int(rows)),
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
    }
