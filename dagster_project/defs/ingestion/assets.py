"""Landed export files → the raw schema, through the one loader."""

import dagster as dg

from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse, table_metadata
from ingestion.identity_rules import RULE_TABLES
from ingestion.loader import load_landing
from ingestion.settings import load_settings
from ingestion.sources import RAW_TABLES as SOURCE_TABLES
from ingestion.top_pull import TopClient, credentials_from_env, pull

# Every table the loader writes, the identity rules included (it rewrites them on every run), so
# the graph shows who writes what the identity models read.
RAW_TABLES = (
    SOURCE_TABLES
    | RULE_TABLES
    | {
        "quarantine": "Rows that could not be loaded, with file, line, reason and raw text",
        "field_issues": (
            "Optional cells that could not be read and were loaded as NULL: file, line, column, "
            "reason and the value's shape (never the value)"
        ),
        "file_ledger": "One row per landed file (by SHA-256): loaded or rejected, with counts",
    }
)


@dg.asset(
    key=["landing", "top_api_increments"],
    group_name="ingestion",
    kinds={"python"},
    description=(
        "Trades and refunds changed since the last pull, fetched from the Taobao Open Platform "
        "into the landing folder. Off unless FUGOU_TOP_PULL=1 (with app key, secret, session)."
    ),
)
def top_api_increments(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    credentials = credentials_from_env()
    if credentials is None:
        context.log.info("TOP pull is off (FUGOU_TOP_PULL is not set); nothing fetched")
        return dg.MaterializeResult(metadata={"enabled": False})
    landing = load_settings().landing_dir
    result = pull(TopClient(credentials), landing)
    return dg.MaterializeResult(
        metadata={
            "enabled": True,
            "pulled_until": str(result.until),
            "windows": result.windows,
            "api_calls": result.calls,
            "files": dg.MetadataValue.json([p.name for p in result.files]),
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", table],
            description=description,
            group_name="ingestion",
            kinds={"duckdb", "python"},
            deps=[top_api_increments],
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
                    "fields_nulled_this_run": sum(f.fields_nulled for f in report.files),
                    "fields_pseudonymised_this_run": sum(
                        f.fields_pseudonymised for f in report.files
                    ),
                }
            yield dg.MaterializeResult(asset_key=["raw", table], metadata=metadata)
