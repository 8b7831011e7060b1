"""The asset graph reads as the product: relation-named keys, groups by area, a 02:00 schedule."""

import dagster as dg

from dagster_project.definitions import defs


def _specs() -> dict[dg.AssetKey, dg.AssetSpec]:
    graph = defs.resolve_asset_graph()
    return {key: graph.get(key) for key in graph.get_all_asset_keys()}


def test_asset_keys_are_warehouse_relations_in_product_groups():
    nodes = _specs()
    expected_groups = {
        ("raw", "taobao_orders"): "ingestion",
        ("raw", "quarantine"): "ingestion",
        ("staging", "stg_taobao__orders"): "staging",
        ("intermediate", "int_identifiers_grouped_into_customers"): "customer_360",
        ("marts", "dim_customers"): "customer_360",
        ("marts", "fct_orders"): "customer_360",
        ("marts", "customer_rfm"): "retention",
        ("marts", "repurchase_monthly"): "retention",
        ("reference", "rfm_groups"): "reference",
        ("published", "bi_marts"): "publishing",
    }
    for path, group in expected_groups.items():
        node = nodes[dg.AssetKey(list(path))]
        assert node.group_name == group, path
        assert node.description, path
    # dbt reads the loader's tables: the staging model depends on the raw asset.
    stg = nodes[dg.AssetKey(["staging", "stg_taobao__orders"])]
    assert dg.AssetKey(["raw", "taobao_orders"]) in stg.parent_keys


def test_every_asset_is_in_a_product_group_and_the_loader_writes_the_identity_rules():
    nodes = _specs()
    ungrouped = sorted(
        key.to_user_string() for key, node in nodes.items() if node.group_name == "default"
    )
    assert ungrouped == []
    # The identity models read rules the loader writes: the graph links them through raw_tables.
    rules = dg.AssetKey(["raw", "identity_rules"])
    assert rules in nodes[dg.AssetKey(["staging", "stg_identity__rules"])].parent_keys
    assert defs.resolve_asset_graph().get(rules).assets_def.node_def.name == "raw_tables"


def test_checks_cover_raw_orders_and_the_customer_360():
    graph = defs.resolve_asset_graph()
    check_keys = {(c.asset_key.path[-1], c.name) for c in graph.asset_check_keys}
    assert ("taobao_orders", "raw_taobao_orders_expectations") in check_keys
    assert ("dim_customers", "dim_customers_expectations") in check_keys
    assert ("file_ledger", "every_row_accounted_for") in check_keys
    assert any(t == "customer_rfm" and "unique" in n for t, n in check_keys)  # dbt tests


def test_nightly_schedule_runs_at_two_beijing_time_in_process():
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    job = defs.resolve_job_def("nightly")
    assert job.executor_def.name == "in_process"


def test_the_bi_copy_depends_on_every_mart_it_copies():
    """publish_marts copies the whole marts schema: the lineage must say so (it named 9 of 34)."""
    graph = defs.resolve_asset_graph()
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    published = graph.get(dg.AssetKey(["published", "bi_marts"]))
    assert len(marts) > 30
    assert set(published.parent_keys) == marts


def test_the_readme_names_every_asset_group():
    from ingestion.settings import PROJECT_ROOT

    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    readme = (PROJECT_ROOT / "README.md").read_text()
    (listed,) = [line for line in readme.splitlines() if "the asset graph (groups" in line]
    assert {g.strip("` ") for g in listed.split("(groups")[1].split(")")[0].split(",")} == groups


def test_every_nightly_asset_is_partitioned_by_the_beijing_day():
    """The as-of day is the run's partition: one reading for every step, dbt and Python alike."""
    from dagster_project.defs.shared.nights import NIGHTS

    job = defs.resolve_job_def("nightly")
    graph = defs.resolve_asset_graph()
    materialized = [key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable]
    assert len(materialized) > 100
    unpartitioned = sorted(
        key.to_user_string() for key in materialized if graph.get(key).partitions_def != NIGHTS
    )
    assert unpartitioned == []
    assert job.partitions_def == NIGHTS
    assert NIGHTS.timezone == "Asia/Shanghai"


def test_the_schedule_builds_the_day_that_has_just_ended():
    """At 02:00 Beijing time on 12-07 the run is for 12-06, so tonight's actions (sent the
    morning after the as-of day) go out on the morning of 12-07, not a day later."""
    import datetime as dt

    from ingestion.settings import SHOP_TZ

    schedule = defs.resolve_schedule_def("nightly_schedule")
    tick = dt.datetime(2026, 12, 7, 2, 0, tzinfo=SHOP_TZ)
    with dg.build_schedule_context(
        scheduled_execution_time=tick, repository_def=defs.get_repository_def()
    ) as context:
        (request,) = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-12-06"
    # 18:00 UTC on 12-06 is 02:00 on 12-07 in Beijing: the same night
    utc_tick = dt.datetime(2026, 12, 6, 18, 0, tzinfo=dt.UTC)
    with dg.build_schedule_context(
        scheduled_execution_time=utc_tick, repository_def=defs.get_repository_def()
    ) as context:
        (request,) = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-12-06"


def test_a_dbt_step_rebuilds_in_full_when_asked_or_when_its_code_changed():
    """Incremental models keep rows written by older code: a new dbt digest (an upgrade, an
    edited model) or the run config's full_refresh rebuilds them once from all of history."""
    from types import SimpleNamespace

    from dagster_project.defs.transform.assets import (
        CODE_METADATA,
        DbtBuildConfig,
        _full_refresh_reason,
        dbt_code_digest,
    )

    key = dg.AssetKey(["intermediate", "int_order_observations"])
    instance = dg.DagsterInstance.ephemeral()
    context = SimpleNamespace(selected_asset_keys={key}, instance=instance)
    digest = dbt_code_digest()
    assert len(digest) == 64 and digest == dbt_code_digest()
    # never built: dbt builds incremental models in full by itself
    assert _full_refresh_reason(context, DbtBuildConfig(), digest) is None
    assert "run config" in _full_refresh_reason(context, DbtBuildConfig(full_refresh=True), digest)
    instance.report_runless_asset_event(
        dg.AssetMaterialization(key, metadata={CODE_METADATA: digest})
    )
    assert _full_refresh_reason(context, DbtBuildConfig(), digest) is None
    instance.report_runless_asset_event(
        dg.AssetMaterialization(key, metadata={CODE_METADATA: "an older project"})
    )
    assert "code changed" in _full_refresh_reason(context, DbtBuildConfig(), digest)


def test_the_dbt_resource_skips_only_the_adapter_dagster_dbt_would_open_for_nothing():
    """FugouDbtCli drops dagster-dbt's in-process dbt adapter (3 s a step). If an upgrade of
    dagster-dbt stops calling the method it overrides, this fails instead of the saving
    vanishing unnoticed."""
    import inspect

    from dagster_dbt import DbtCliResource

    from dagster_project.defs.transform.definitions import FugouDbtCli

    with dg.build_resources({"dbt": defs.resolve_job_def("nightly").resource_defs["dbt"]}) as built:
        resource = built.dbt
    assert isinstance(resource, FugouDbtCli)
    assert "self._initialize_dbt_core_adapter(" in inspect.getsource(DbtCliResource.cli)
    assert resource._initialize_dbt_core_adapter(["build"]) is None
