"""Landed export files → the raw schema, through the one loader."""

import dagster as dg

from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse, table_metadata
from ingestion.loader import load_landing
from ingestion.sources import SPECS

RAW_TABLES = {spec.table: spec.description for spec in SPECS} | {
    "quarantine": "Rows that could not be loaded, with file, line, reason and raw text",
    "file_ledger": "One row per landed file (by SHA-256): loaded or rejected, with counts",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", table],
            description=description,
            group_name="ingestion",
            kinds={"duckdb", "python"},
        )
        for table, description in RAW_TABLES.items()
    ],
    pool=WAREHOUSE_POOL,
    description="Load new files from the landing folder into raw tables; bad rows to quarantine.",
)
def raw_tables(context: dg.AssetExecutionContext, warehouse: Warehouse):
    settings = warehouse.settings()
    with warehouse.connect() as con:
        report = load_landing(con, settings.landing_dir, settings.pii_key)
        for result in report.files:
            if result.status == "rejected" or result.unknown_columns:
                context.log.warning(f"{result.source_file}: {result.message}")
        context.log.info(
            f"{report.count('loaded')} files loaded, {report.count('skipped')} already loaded, "
            f"{report.count('rejected')} rejected; {report.rows_loaded} rows loaded, "
            f"{report.rows_quarantined} quarantined"
        )
        for table in RAW_TABLES:
            metadata = table_metadata(con, "raw", table)
            if table == "file_ledger":
                metadata |= {
                    "files_loaded_this_run": report.count("loaded"),
                    "files_rejected_this_run": report.count("rejected"),
                    "rows_quarantined_this_run": report.rows_quarantined,
                }
            yield dg.MaterializeResult(asset_key=["raw", table], metadata=metadata)
