"""dbt models as Dagster assets: staging → intermediate → marts, with dbt tests as asset checks."""

import os
from collections.abc import Mapping
from contextlib import contextmanager, nullcontext
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from dagster_project.defs.shared.build_inputs import code_digest
from dagster_project.defs.shared.nights import NIGHTS, ONE_DAY_PER_RUN
from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse, table_metadata
from dagster_project.defs.transform.project import MANIFEST_PATH, NIGHTLY_EXCLUDES
from ingestion.personal_data import masked_record


class FugouTranslator(DagsterDbtTranslator):
    """One naming rule for the whole graph.

    Key = the warehouse relation [schema, table], so Dagster, dbt and the BI tool say the same
    name. Group = the layer for staging and seeds, the business area folder for intermediate and
    marts (models/marts/retention/… → `retention`).
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # the relation the source names: raw.* for the loader's tables, marts.* for the
            # prediction tables the Python assets write
            return dg.AssetKey(
                [
                    dbt_resource_props["schema"],
                    dbt_resource_props.get("identifier") or dbt_resource_props["name"],
                ]
            )
        name = dbt_resource_props.get("alias") or dbt_resource_props["name"]
        return dg.AssetKey([dbt_resource_props["schema"], name])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        if dbt_resource_props["resource_type"] == "snapshot":
            return "retention"  # segment spells: beside the segments they record
        fqn = dbt_resource_props.get("fqn", [])
        layer = fqn[1] if len(fqn) > 2 else None
        if layer == "staging":
            return "staging"
        if layer in ("intermediate", "marts") and len(fqn) > 3:
            return fqn[2]
        return layer

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        return dbt_resource_props.get("description") or super().get_description(dbt_resource_props)


TRANSLATOR = FugouTranslator(
    # tests on the raw sources become checks of the raw assets, not bare observations
    settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
)
# Activation (audiences, queue) reads the predictions, which Python writes after the models
# they fit on: its models build in a second dbt step.
ACTIVATION = "tag:activation"
# Where a build records the digest of the dbt code it ran (on every model it materialises).
CODE_METADATA = "dbt_code_digest"


class DbtBuildConfig(dg.Config):
    """Launchpad settings of a dbt step."""

    # Rebuild the incremental models from all of history (`dbt build --full-refresh`); the
    # history models (contact history, audiences, identity changes) are never rebuilt
    # (full_refresh=false). A step whose dbt code changed since its last build does this itself.
    full_refresh: bool = False


def dbt_code_digest() -> str:
    """The digest of the dbt project's files: a change to any model, macro, seed or var can
    change what an incremental model would have written for its old rows."""
    return code_digest(folders=("dbt_project",))


def _full_refresh_reason(
    context: dg.AssetExecutionContext, config: DbtBuildConfig, digest: str
) -> str | None:
    """Why this build rebuilds its incremental models in full, or None."""
    if config.full_refresh:
        return "full_refresh was asked for in the run config"
    keys = sorted(context.selected_asset_keys, key=lambda k: k.to_user_string())
    for key in keys:
        event = context.instance.get_latest_materialization_event(key)
        if event is None or event.asset_materialization is None:
            continue
        recorded = event.asset_materialization.metadata.get(CODE_METADATA)
        recorded = getattr(recorded, "value", recorded)
        if recorded != digest:
            return (
                "the dbt code changed since the last build (an upgrade or an edited model): its "
                "incremental models are rebuilt from all of history once"
            )
        return None
    return None  # never built: dbt builds its incremental models in full anyway


@dbt_assets(
    manifest=MANIFEST_PATH,
    exclude=ACTIVATION,
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
    partitions_def=NIGHTS,
    backfill_policy=ONE_DAY_PER_RUN,
)
def fugou_dbt_models(
    context: dg.AssetExecutionContext,
    config: DbtBuildConfig,
    dbt: DbtCliResource,
    warehouse: Warehouse,
):
    yield from _build(context, config, dbt, warehouse)


@dbt_assets(
    manifest=MANIFEST_PATH,
    select=ACTIVATION,
    name="fugou_activation_models",
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
    partitions_def=NIGHTS,
    backfill_policy=ONE_DAY_PER_RUN,
)
def fugou_activation_models(
    context: dg.AssetExecutionContext,
    config: DbtBuildConfig,
    dbt: DbtCliResource,
    warehouse: Warehouse,
):
    yield from _build(context, config, dbt, warehouse)


def _build(
    context: dg.AssetExecutionContext,
    config: DbtBuildConfig,
    dbt: DbtCliResource,
    warehouse: Warehouse,
):
    """`dbt build` of the step's selection for the run's day, with row counts and previews on
    each model and the failing rows of a failing test."""
    settings = warehouse.settings()
    digest = dbt_code_digest()
    reason = _full_refresh_reason(context, config, digest)
    if reason:
        context.log.info(f"dbt build --full-refresh: {reason}")
    # The day goes to dbt as FUGOU_AS_OF (dbt_project.yml's `as_of` var reads it), not --vars:
    # a new --vars value makes dbt parse the whole project again, every night (see as_of.sql).
    with _environment(FUGOU_AS_OF=warehouse.as_of(context).isoformat()):
        invocation = dbt.cli(
            ["build", *NIGHTLY_EXCLUDES, *(["--full-refresh"] if reason else [])],
            context=context,
            raise_on_error=False,
            # One folder per warehouse and target, kept between runs, so dbt parses only what
            # changed since the last run (a full parse is 12 s); dagster-dbt's default folder
            # per run parsed everything and left 18 MB behind each time. Beside the warehouse,
            # like its Dagster home: two warehouses built at once (the demo and a bench, or
            # parallel tests) never share dbt's parse state.
            target_path=settings.warehouse.with_name(f"{settings.warehouse.stem}.dbt")
            / f"nightly-{settings.dbt_target}",
        )
        events = list(invocation.stream())
    # dbt writes the DuckDB file from its own process: read row counts only once it has exited.
    describe = settings.dbt_target == "duckdb"
    failing_sql = _failing_test_sql(invocation) if describe else {}
    with warehouse.connect(read_only=True) if describe else nullcontext() as con:
        for event in events:
            if isinstance(event, dg.Output):
                metadata = {**event.metadata, CODE_METADATA: digest}
                if describe:
                    schema, table = context.asset_key_for_output(event.output_name).path[-2:]
                    metadata |= table_metadata(con, schema, table)
                event = event.with_metadata(metadata)
            if isinstance(event, dg.AssetCheckResult) and not event.passed:
                event = _explained(context, event, con, failing_sql)
            yield event
    if not invocation.is_successful():
        raise dg.Failure(
            description="dbt build failed; the failing models and tests are in the run log",
            metadata={"error": str(invocation.get_error())},
        )


@contextmanager
def _environment(**values: str):
    """Set environment variables for what starts inside the block (dagster-dbt gives the dbt
    process this process's environment and takes no other); the run's steps run one at a time
    in this process (the in-process executor), so no other step sees them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _failing_test_sql(invocation) -> dict[str, str]:
    """unique_id -> compiled SQL of every dbt test that failed or warned."""
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except (OSError, KeyError, ValueError):
        return {}
    return {
        r["unique_id"]: r["compiled_code"]
        for r in results
        if r.get("status") in ("fail", "warn") and r.get("compiled_code")
    }


def _explained(context, check: dg.AssetCheckResult, con, failing_sql: dict[str, str]):
    """A failing dbt test's result with a few of its failing rows (the test's own query: keys
    and counts, the columns it tests; personal values masked) in its metadata, and one log line naming test and count
    (a failure said only that the step failed)."""
    unique_id = check.metadata.get("unique_id")
    unique_id = getattr(unique_id, "value", unique_id)
    count = check.metadata.get("dagster_dbt/failed_row_count")
    count = getattr(count, "value", count)
    examples: list[dict] = []
    sql = failing_sql.get(unique_id)
    if con is not None and sql:
        try:
            frame = con.execute(f"select * from ({sql}) as failing limit 5").df()
            examples = [
                masked_record({k: str(v) for k, v in row.items()})
                for row in frame.to_dict("records")
            ]
        except duckdb.Error:  # the failing rows are only a help: the count is the finding
            examples = []
    key = check.asset_key.to_user_string() if check.asset_key else "?"
    said = f"dbt test {check.check_name} on {key}: {count} failing rows"
    if examples:
        said += f", e.g. {examples[:3]}"
    log = context.log.warning if check.severity == dg.AssetCheckSeverity.WARN else context.log.error
    log(said)
    return dg.AssetCheckResult(
        passed=False,
        asset_key=check.asset_key,
        check_name=check.check_name,
        severity=check.severity,
        description=said,
        metadata={**check.metadata, "examples": dg.MetadataValue.json(examples)},
    )
