"""dbt models as Dagster assets: staging → intermediate → marts, with dbt tests as asset checks."""

import json
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse, table_metadata
from dagster_project.defs.transform.project import MANIFEST_PATH, NIGHTLY_EXCLUDES


class FugouTranslator(DagsterDbtTranslator):
    """One naming rule for the whole graph.

    Key = the warehouse relation [schema, table], so Dagster, dbt and the BI tool say the same
    name. Group = the layer for staging and seeds, the business area folder for intermediate and
    marts (models/marts/retention/… → `retention`).
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        name = dbt_resource_props.get("alias") or dbt_resource_props["name"]
        return dg.AssetKey([dbt_resource_props["schema"], name])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        layer = fqn[1] if len(fqn) > 2 else None
        if layer == "staging":
            return "staging"
        if layer in ("intermediate", "marts") and len(fqn) > 3:
            return fqn[2]
        return layer

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return dbt_resource_props.get("description") or super().get_description(dbt_resource_props)


@dbt_assets(
    manifest=MANIFEST_PATH,
    dagster_dbt_translator=FugouTranslator(),
    pool=WAREHOUSE_POOL,
)
def fugou_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    settings = warehouse.settings()
    invocation = dbt.cli(
        [
            "build",
            *NIGHTLY_EXCLUDES,
            "--vars",
            json.dumps({"as_of": warehouse.as_of(context).isoformat()}),
        ],
        context=context,
        raise_on_error=False,
    )
    # dbt writes the DuckDB file from its own process: read row counts only once it has exited.
    events = list(invocation.stream())
    describe = settings.dbt_target == "duckdb"
    with warehouse.connect(read_only=True) if describe else nullcontext() as con:
        for event in events:
            if describe and isinstance(event, dg.Output):
                schema, table = context.asset_key_for_output(event.output_name).path[-2:]
                event = event.with_metadata(
                    {**event.metadata, **table_metadata(con, schema, table)}
                )
            yield event
    if not invocation.is_successful():
        raise dg.Failure(
            description="dbt build failed; the failing models and tests are in the run log",
            metadata={"error": str(invocation.get_error())},
        )
