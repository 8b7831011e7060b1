"""One run, one as-of day: without FUGOU_AS_OF every step takes the day the run started (in
Asia/Shanghai), even when the clock passes midnight between steps."""

import datetime as dt
import itertools
import os

import dagster as dg

import ingestion.settings as settings_module
from dagster_project.defs.shared.nights import NIGHTS
from dagster_project.defs.shared.warehouse import Warehouse
from ingestion.settings import shop_day


@dg.asset
def first_step(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"as_of": str(warehouse.as_of(context))})


@dg.asset(deps=[first_step])
def second_step(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"as_of": str(warehouse.as_of(context))})


def _days(result: dg.ExecuteInProcessResult) -> list[str]:
    events = result.get_asset_materialization_events()
    return [e.event_specific_data.materialization.metadata["as_of"].value for e in events]


def test_every_step_of_a_run_describes_the_day_it_started(tmp_path, monkeypatch):
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("FUGOU_PII_KEY", "run-day-key-0123456789abcdef-not-secret")
    monkeypatch.delenv("FUGOU_AS_OF", raising=False)
    # Each look at the clock is a day later: the run crosses midnight between its steps.
    days = itertools.count()
    monkeypatch.setattr(
        settings_module,
        "today_in_shop_tz",
        lambda: dt.date(2026, 11, 30) + dt.timedelta(days=next(days)),
    )
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [first_step, second_step], resources={"warehouse": Warehouse()}, instance=instance
    )
    record = instance.get_run_record_by_id(result.run_id)
    started = shop_day(record.start_time or record.create_timestamp.timestamp())
    assert _days(result) == [str(started), str(started)]


def test_fugou_as_of_wins_when_set(tmp_path, monkeypatch):
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("FUGOU_PII_KEY", "run-day-key-0123456789abcdef-not-secret")
    monkeypatch.setenv("FUGOU_AS_OF", "2026-10-31")
    result = dg.materialize(
        [first_step, second_step],
        resources={"warehouse": Warehouse()},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert _days(result) == ["2026-10-31", "2026-10-31"]


@dg.asset(partitions_def=NIGHTS)
def nightly_step(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    # the environment changes under the run: a step that re-read it would see another warehouse
    os.environ["FUGOU_WAREHOUSE"] = "/somewhere/else.duckdb"
    return dg.MaterializeResult(metadata={"as_of": str(warehouse.as_of(context))})


@dg.asset(partitions_def=NIGHTS, deps=[nightly_step])
def next_nightly_step(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={
            "as_of": str(warehouse.as_of(context)),
            "warehouse": str(warehouse.settings().warehouse),
        }
    )


def test_a_nightly_run_describes_its_partition_and_reads_its_settings_once(tmp_path, monkeypatch):
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FUGOU_PII_KEY", "run-day-key-0123456789abcdef-not-secret")
    monkeypatch.setenv("FUGOU_AS_OF", "2026-10-31")  # the partition, chosen in the run, wins
    result = dg.materialize(
        [nightly_step, next_nightly_step],
        resources={"warehouse": Warehouse()},
        instance=dg.DagsterInstance.ephemeral(),
        partition_key="2026-12-06",
    )
    assert _days(result) == ["2026-12-06", "2026-12-06"]
    (last,) = [
        e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey("next_nightly_step")
    ]
    assert last.metadata["warehouse"].value == str(warehouse)
    assert {
        e.event_specific_data.materialization.partition
        for e in result.get_asset_materialization_events()
    } == {"2026-12-06"}
