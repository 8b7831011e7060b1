"""What leaves the warehouse for people: the marts copied to the file BI tools open (see
ingestion/publish.py for why a copy), and the operator's dashboard drawn from them."""

import base64
import json
from contextlib import closing

import dagster as dg
import duckdb
import psycopg2

from dagster_project.defs.shared.build_inputs import FINGERPRINT_METADATA, built_in_run
from dagster_project.defs.shared.nights import NIGHTS, ONE_DAY_PER_RUN
from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse
from dagster_project.defs.transform.assets import TRANSLATOR
from dagster_project.defs.transform.project import MANIFEST_PATH
from dashboard import render
from ingestion.publish import PUBLISHED_SCHEMA, publish_marts, publish_marts_postgres
from ingestion.spreadsheet import unsafe_text_counts
from predictions import tables

# written by Python assets (the model fits, the feedback keywords), not by dbt
PYTHON_MARTS = tuple(tables.declared_names())


def published_marts() -> list[str]:
    """Every table of the marts schema, which `publish_marts` copies whole: the dbt models built
    there (from the manifest the set-up prepares) and the tables Python assets write."""
    manifest = json.loads(MANIFEST_PATH.read_text())
    models = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "snapshot") and node["schema"] == "marts"
    }
    return sorted(models | set(PYTHON_MARTS))


MARTS = published_marts()


@dg.asset(
    partitions_def=NIGHTS,
    backfill_policy=ONE_DAY_PER_RUN,
    key=["published", "bi_marts"],
    deps=[dg.AssetKey(["marts", t]) for t in MARTS],
    group_name="publishing",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    description="Copy of the marts schema in FUGOU_PUBLISHED_WAREHOUSE, for BI tools to open.",
)
def bi_marts(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    settings = warehouse.settings()
    nicks = "published" if settings.publish_nicks else "keyed handles"
    # what this copy was built from: a later night with the same inputs has nothing new
    fingerprint = built_in_run(context.instance, context.run.run_id)
    built_from = {FINGERPRINT_METADATA: fingerprint} if fingerprint else {}
    if settings.dbt_target == "postgres":  # BI reads the server: the `published` schema
        counts = publish_marts_postgres(
            settings.postgres_dsn, settings.pii_key, publish_nicks=settings.publish_nicks
        )
        return dg.MaterializeResult(
            metadata={
                "schema": PUBLISHED_SCHEMA,
                "tables": dg.MetadataValue.json(counts),
                "nicks": nicks,
                **built_from,
            }
        )
    target = settings.published_warehouse
    with warehouse.connect() as con:
        counts = publish_marts(con, target, settings.pii_key, publish_nicks=settings.publish_nicks)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "tables": dg.MetadataValue.json(counts),
            "nicks": nicks,
            **built_from,
        }
    )


@dg.asset_check(
    asset=bi_marts,
    name="text_safe_for_spreadsheets",
    description="Counts published text a spreadsheet would run as a formula (starts with = + - "
    "@, tab or CR). The BI copy keeps the true text; `python -m ingestion.export` and the outbox "
    "escape it. A warning, not a failure: the text is the shop's data.",
)
def text_safe_for_spreadsheets(warehouse: Warehouse) -> dg.AssetCheckResult:
    settings = warehouse.settings()
    if settings.dbt_target == "postgres":
        with closing(psycopg2.connect(settings.postgres_dsn)) as pg:
            counts = unsafe_text_counts(pg, PUBLISHED_SCHEMA)
    else:
        with duckdb.connect(str(settings.published_warehouse), read_only=True) as con:
            counts = unsafe_text_counts(con, "marts")
    return dg.AssetCheckResult(
        passed=not counts,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "formula_like_values": sum(counts.values()),
            "by_column": dg.MetadataValue.json(counts),
        },
    )


# --- the operator's dashboard -------------------------------------------------------------

DASHBOARD_EXPOSURE = "exposure.fugou.operator_dashboard"


def dashboard_sources() -> list[dg.AssetKey]:
    """What the page reads, from the dbt exposure `operator_dashboard`: one list for dbt docs'
    lineage and Dagster's."""
    manifest = json.loads(MANIFEST_PATH.read_text())
    nodes = manifest["exposures"][DASHBOARD_EXPOSURE]["depends_on"]["nodes"]
    return [
        TRANSLATOR.get_asset_key(manifest["nodes"].get(node) or manifest["sources"][node])
        for node in nodes
    ]


@dg.asset(
    partitions_def=NIGHTS,
    backfill_policy=ONE_DAY_PER_RUN,
    key=["published", "dashboard"],
    deps=[bi_marts, *dashboard_sources()],
    group_name="publishing",
    kinds={"html", "vega"},
    pool=WAREHOUSE_POOL,
    description="The operator's dashboard: one self-contained HTML page (Chinese and English, "
    "opens offline) beside the BI copy, with a PNG preview here. Its tables are the dbt "
    "exposure operator_dashboard.",
)
def dashboard(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    settings = warehouse.settings()
    checks, identity_precision = latest_checks(context)
    page = render.build(
        warehouse.read_frame,
        warehouse.as_of(context),
        checks=checks,
        identity_precision=identity_precision,
        warn=context.log.warning,
    )
    written = render.write(
        page, render.folder_for(settings.published_warehouse), warn=context.log.warning
    )
    metadata: dict = {
        "path": dg.MetadataValue.path(str(written["html"])),
        "panels_drawn": len(page.panels) - len(page.empty_panels),
        "panels_empty": dg.MetadataValue.json(page.empty_panels),
        "checks_not_passed": sum(c.status in ("failed", "warning") for c in checks),
        "bytes": written["html"].stat().st_size,
    }
    if "png" in written:
        image = base64.b64encode(written["png"].read_bytes()).decode("ascii")
        metadata["preview"] = dg.MetadataValue.md(
            f"![dashboard preview](data:image/png;base64,{image})"
        )
    if page.empty_panels:
        context.log.warning(f"dashboard panels with nothing to draw: {page.empty_panels}")
    return dg.MaterializeResult(metadata=metadata)


def latest_checks(context: dg.AssetExecutionContext) -> tuple[list[render.Check], float | None]:
    """Every check's latest result, the ones that did not pass first, and the identity
    precision where the demo's ground truth measured it."""
    # every check of the code location, not only those of this run's job: the page is also
    # drawn by materializing it alone in the UI. (Imported here: the definitions import this.)
    from dagster_project.definitions import defs

    instance = context.instance
    keys = sorted(defs.resolve_asset_graph().asset_check_keys, key=str)
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(keys)
    checks, precision = [], None
    for key in keys:
        record = records.get(key)
        evaluation = _evaluation(record)
        if evaluation is None:
            checks.append(render.Check(key.name, key.asset_key.to_user_string(), "not run"))
            continue
        if evaluation.passed:
            status = "passed"
        elif evaluation.severity == dg.AssetCheckSeverity.WARN:
            status = "warning"
        else:
            status = "failed"
        detail = evaluation.description or ""
        checks.append(render.Check(key.name, key.asset_key.to_user_string(), status, detail[:160]))
        if key.name == "identity_resolution_quality" and "precision" in evaluation.metadata:
            precision = float(evaluation.metadata["precision"].value)
    order = {"failed": 0, "warning": 1, "not run": 2, "passed": 3}
    checks.sort(key=lambda c: (order[c.status], c.asset, c.name))
    return checks, precision


def _evaluation(record):
    event = getattr(record, "event", None)
    data = getattr(getattr(event, "dagster_event", None), "event_specific_data", None)
    return data if hasattr(data, "passed") else None
