"""The raw orders suite validates only the rows loaded since it last passed, yet a bad row keeps
failing the check every night until the export is fixed, and new suite code validates all rows."""

import datetime as dt

import dagster as dg
import duckdb

from dagster_project.defs.quality import checks
from dagster_project.defs.shared.warehouse import Warehouse
from ingestion.loader import load_landing
from tests.fixtures.real_exports import gen_a_2017_order, write_gen_a_2017

KEY = "raw-check-key-0123456789abcdef-not-secret"
FIRST_LOAD = dt.datetime(2017, 6, 1, 9, 30)


def _land_and_load(warehouse, landing, rows, night: int):
    """Night n's 订单报表, exported on June n+1 2017 and loaded n days after the first."""
    write_gen_a_2017(landing / f"ExportOrderList2017060{night + 1}0930.csv", rows)
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, landing, KEY.encode(), loaded_at=FIRST_LOAD + dt.timedelta(days=night))


def _check(instance) -> dg.AssetCheckEvaluation:
    result = dg.materialize(
        [checks.raw_taobao_orders_expectations],
        selection=dg.AssetSelection.all_asset_checks(),
        resources={"warehouse": Warehouse()},
        instance=instance,
        tags={"dagster/partition": "2017-06-05"},
        raise_on_error=False,
    )
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def test_only_new_rows_are_validated_and_a_bad_row_fails_until_fixed(tmp_path, monkeypatch):
    warehouse, landing = tmp_path / "warehouse.duckdb", tmp_path / "landing"
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FUGOU_PII_KEY", KEY)
    monkeypatch.delenv("FUGOU_GROUND_TRUTH", raising=False)
    instance = dg.DagsterInstance.ephemeral()

    _land_and_load(
        warehouse,
        landing,
        [gen_a_2017_order(n) for n in range(1, 31)],
        night=0,
    )
    first = _check(instance)
    assert first.passed
    assert first.metadata["rows_validated"].value == 30
    assert first.metadata["validated_through"].value == FIRST_LOAD.isoformat()

    _land_and_load(
        warehouse,
        landing,
        [gen_a_2017_order(n) for n in range(31, 36)],
        night=1,
    )
    second = _check(instance)
    assert second.passed
    assert second.metadata["rows_validated"].value == 5
    assert second.metadata["rows_in_table"].value == 35

    frozen = gen_a_2017_order(36, 订单状态="交易冻结")  # a state the staging map does not know
    _land_and_load(
        warehouse,
        landing,
        [frozen, gen_a_2017_order(37)],
        night=2,
    )
    third = _check(instance)
    assert not third.passed
    assert "35153131473290036" in third.description
    # it vouches for no more than the second night did
    assert (
        third.metadata["validated_through"].value == (FIRST_LOAD + dt.timedelta(days=1)).isoformat()
    )

    _land_and_load(warehouse, landing, [gen_a_2017_order(38)], night=3)
    fourth = _check(instance)
    assert not fourth.passed, "the bad row of the night before must still fail the check"
    assert fourth.metadata["rows_validated"].value == 3

    # Another Dagster home (or new suite code) knows of no passing evaluation: every row.
    fresh = _check(dg.DagsterInstance.ephemeral())
    assert not fresh.passed
    assert fresh.metadata["rows_validated"].value == 38


def test_new_suite_code_validates_every_row_again(tmp_path, monkeypatch):
    warehouse, landing = tmp_path / "warehouse.duckdb", tmp_path / "landing"
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FUGOU_PII_KEY", KEY)
    instance = dg.DagsterInstance.ephemeral()
    _land_and_load(
        warehouse,
        landing,
        [gen_a_2017_order(n) for n in range(1, 11)],
        night=0,
    )
    assert _check(instance).passed
    _land_and_load(warehouse, landing, [gen_a_2017_order(11)], night=1)
    monkeypatch.setattr(checks, "code_digest", lambda folders: "a changed suite")
    again = _check(instance)
    assert again.passed
    assert again.metadata["rows_validated"].value == 11
