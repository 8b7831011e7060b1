"""Landed export files → the raw schema, through the one loader."""

import time

import dagster as dg

from dagster_project.defs.shared.build_inputs import (
    FINGERPRINT_METADATA,
    build_fingerprint,
    unchanged_since,
)
from dagster_project.defs.shared.nights import NIGHTS, ONE_DAY_PER_RUN
from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse, table_metadata
from ingestion.identity_rules import RULE_TABLES
from ingestion.loader import LoadProgress, LoadReport, load_landing
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
    partitions_def=NIGHTS,
    backfill_policy=ONE_DAY_PER_RUN,
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


class LoadConfig(dg.Config):
    """Launchpad settings of the load step."""

    # Build the models, predictions and BI copy even when nothing is new since the last
    # published build (after a model was rebuilt by hand, say).
    rebuild: bool = False


@dg.multi_asset(
    partitions_def=NIGHTS,
    backfill_policy=ONE_DAY_PER_RUN,
    specs=[
        dg.AssetSpec(
            ["raw", table],
            description=description,
            group_name="ingestion",
            kinds={"duckdb", "python"},
            deps=[top_api_increments],
            # not materialised on a night with nothing new: everything downstream is skipped
            skippable=True,
        )
        for table, description in RAW_TABLES.items()
    ],
    pool=WAREHOUSE_POOL,
    description="Load new files from the landing folder into raw tables; bad rows to quarantine.",
)
def raw_tables(context: dg.AssetExecutionContext, config: LoadConfig, warehouse: Warehouse):
    settings = warehouse.settings()
    if not settings.landing_dir.is_dir():  # before the warehouse file is made: none is left
        raise dg.Failure(
            description=f"the landing folder {settings.landing_dir} does not exist: set "
            "FUGOU_LANDING_DIR to the folder the exports are dropped into"
        )
    with warehouse.connect() as con:
        report = load_landing(
            con,
            settings.landing_dir,
            settings.pii_key,
            settle_seconds=settings.settle_seconds,
            progress=_ProgressLog(context.log),
            vault_key=settings.vault_key,
        )
        _log_report(context, report)
        fingerprint = build_fingerprint(con, settings, warehouse.as_of(context))
        same = None if config.rebuild else unchanged_since(context.instance, fingerprint, settings)
        if same is not None:
            run_id, published_at = same
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(published_at))
            context.log.info(
                f"nothing new since the build published at {when} (run {run_id[:8]}): no file "
                "landed, same day, same code; the marts and the BI copy stand, so the models, "
                "predictions and publishing are skipped (to build anyway: --rebuild, or "
                "rebuild: true in the launchpad)"
            )
            return
        for table in RAW_TABLES:
            metadata = table_metadata(con, "raw", table)
            if table == "file_ledger":
                metadata |= {
                    FINGERPRINT_METADATA: fingerprint,
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


def _log_report(context: dg.AssetExecutionContext, report: LoadReport) -> None:
    for result in report.files:
        if result.status in ("rejected", "failed", "waiting") or result.unknown_columns:
            context.log.warning(f"{result.source_file}: {result.message}")
    context.log.info(
        f"{report.count('loaded')} files loaded, {report.count('skipped')} skipped, "
        f"{report.count('rejected')} rejected, {report.count('failed')} failed, "
        f"{report.count('waiting')} still being copied; "
        f"{report.rows_loaded:,} rows loaded, {report.rows_quarantined:,} quarantined"
    )


class _ProgressLog:
    """Each loaded file in the run's debug log; a `loading …` line at info level every tenth of
    the bytes or 10 s, so the terminal shows a long load moving without a line per file."""

    def __init__(self, log, every_seconds: float = 10.0) -> None:
        self.log = log
        self.every_seconds = every_seconds
        self.last_said = time.monotonic()
        self.last_tenth = 0

    def __call__(self, done: LoadProgress) -> None:
        self.log.debug(done.line())
        tenth = done.bytes_done * 10 // max(done.bytes_total, 1)
        now = time.monotonic()
        if done.files_done == done.files_total:
            return  # the report's line follows
        if tenth > self.last_tenth or now - self.last_said >= self.every_seconds:
            self.log.info(
                f"loading: {done.files_done}/{done.files_total} files, "
                f"{done.rows_loaded:,} rows, {done.bytes_done / max(done.bytes_total, 1):.0%} "
                "of the bytes"
            )
            self.last_tenth, self.last_said = tenth, now
