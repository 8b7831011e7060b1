"""Rewrite the warehouse file from its live rows: `python -m ingestion.compact`.

DuckDB keeps the bytes of deleted rows and dropped columns in the file's free blocks until they
are reused. An erasure compacts by itself. Run this once after an upgrade that dropped columns
holding personal data (the street addresses and clear quarantine lines older warehouses had), or
whenever a byte search must find only what the tables hold. Run it while no run is writing.
"""

from __future__ import annotations

import sys

import duckdb

from ingestion.erasure import compact_duckdb
from ingestion.settings import SettingsError, load_settings
from ingestion.warehouse import WarehouseInUseError


def main(argv: list[str] | None = None) -> int:
    try:
        warehouse = load_settings().warehouse
        if not warehouse.exists():
            raise SettingsError(f"no warehouse at {warehouse}")
        before = warehouse.stat().st_size
        compact_duckdb(warehouse)
    except SettingsError as exc:
        print(f"compact: {exc}", file=sys.stderr)
        return 2
    except duckdb.IOException as exc:
        settings = load_settings()
        in_use = WarehouseInUseError.raised_by(
            exc, settings.warehouse, settings.published_warehouse
        )
        print(f"compact: {in_use}", file=sys.stderr)
        return 2
    print(f"{warehouse}: rewritten, {before:,} -> {warehouse.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
