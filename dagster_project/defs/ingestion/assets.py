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


TOP_PULL_CHECK = "top_pull_succeeded"


@dg.asset(
    key=["landing", "top_api_increments"],
    group_name="ingestion",
    kinds={"python"},
    description=(
        "Trades and refunds changed since the last pull, fetched from the Taobao Open Platform "
        "into the landing folder. Off unless FUGOU_TOP_PULL=1 (with app key, secret, session)."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            TOP_PULL_CHECK,
            asset=["landing", "top_api_increments"],
            description=(
                "The TOP pull reached the API and wrote what it fetched. A failure (expired "
                "session, gateway down) is a warning: the exports in the landing folder still "
                "load, and the next pull starts where the last good one ended."
            ),
        )
    ],
)
def top_api_increments(context: dg.AssetExecutionContext):
    try:
        credentials = credentials_from_env()
        if credentials is None:
            context.log.info("TOP pull is off (FUGOU_TOP_PULL is not set); nothing fetched")
            yield dg.MaterializeResult(metadata={"enabled": False})
            yield dg.AssetCheckResult(check_name=TOP_PULL_CHECK, passed=True)
            return
        result = pull(TopClient(credentials), load_settings().landing_dir)
    except Exception as exc:  # noqa: BLE001 - an outage must not keep the exports from loading
        error = f"{type(exc).__name__}: {exc}"
        context.log.warning(f"TOP pull failed, the landing folder loads without it: {error}")
        yield dg.MaterializeResult(metadata={"enabled": True, "failed": True, "error": error})
        yield dg.AssetCheckResult(
            check_name=TOP_PULL_CHECK,
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"error": error},
        )
        return
    yield dg.MaterializeResult(
        metadata={
            "enabled": True,
            "pulled_until": str(result.until),
            "windows": result.windows,
            "api_calls": result.calls,
            "files": dg.MetadataValue.json([p.name for p in result.files]),
        }
    )
    yield dg.AssetCheckResult(check_name=TOP_PULL_CHECK, passed=True)


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
    if not settings.landing_dir.is_dir():  # before the warehouse file is made: none is left
        raise dg.Failure(
            description=f"the landing folder {settings.landing_dir} does not exist: set "
            "FUGOU_LANDING_DIR to the folder the exports are dropped into"
        )
    with warehouse.connect() as con:
        report = load_landing(
            con, settings.landing_dir, settings.pii_key, settle_seconds=settings.settle_seconds
        )
        for result in report.files:
            if result.status in ("rejected", "failed", "waiting") or result.unknown_columns:
                context.log.warning(f"{result.source_file}: {result.message}")
        context.log.info(
            f"{report.count('loaded')} files loaded, {report.count('skipped')} skipped, "
            f"{report.count('rejected')} rejected, {report.count('failed')} failed, "
            f"{report.count('waiting')} still being copied; "
            f"{report.rows_loaded} rows loaded, {report.rows_quarantined} quarantined"
        )
        for table in RAW_TABLES:
            metadata = table_metadata(con, "raw", table)
            if table == "file_ledger":
                metadata |= {
                    "files_loaded_this_run": report.count("loaded"),
                    "files_rejected_this_run": report.count("rejected"),
                    "files_failed_this_run": report.count("failed"),
                    "rows_quarantined_this_run": report.rows_quarantined,
                    "fields_nulled_this_run": sum(f.fields_nulled for f in report.files),
                    "fields_pseudonymised_this_run": sum(
                        f.fields_pseudonymised for f in report.files
                    ),
                }
            yield dg.MaterializeResult(asset_key=["raw", table], metadata=metadata)
