"""The marts, copied to the file BI tools open (see ingestion/publish.py for why a copy)."""

import json
from contextlib import closing

import dagster as dg
import duckdb
import psycopg2

from dagster_project.defs.shared.build_inputs import FINGERPRINT_METADATA, built_in_run
from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse
from dagster_project.defs.transform.project import MANIFEST_PATH
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
