"""The DuckDB warehouse as a Dagster resource.

DuckDB allows one writer process, and any other process holding the file (even read-only) makes
that writer fail. So every asset that touches the file runs in the `duckdb_warehouse` pool with
a limit of one, connections are opened per use and closed before the next step (dbt runs in its
own process), and BI tools read the separately published copy, never this file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.settings import Settings, load_settings

WAREHOUSE_POOL = "duckdb_warehouse"


class Warehouse(dg.ConfigurableResource):
    """Connections to the warehouse file named by FUGOU_WAREHOUSE."""

    def settings(self) -> Settings:
        return load_settings()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        path: Path = self.settings().warehouse
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(
            str(path),
            read_only=read_only,
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
        )
        try:
            yield con
        finally:
            con.close()


def table_metadata(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict:
    """Row count and a five-row preview, shown on the asset's page in the Dagster UI."""
    rows = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
    preview = con.execute(f'select * from "{schema}"."{table}" limit 5').df()
    return {
        "dagster/row_count": dg.MetadataValue.int(int(rows)),
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
    }
