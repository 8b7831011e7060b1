"""A shop's first night on real-shaped exports the models cannot fit: one month of history
(the published May 2017 订单报表, its phones hashed by the publisher), a quarter with the default
180-day holdout, and buyers silent for three years. The night succeeds, every order reaches the
marts, and the warnings say what could not be fitted and why."""

import dagster as dg
import pytest

from dagster_project.definitions import defs
from tests.conftest import query
from tests.fixtures.real_exports import gen_a_2017_order, write_gen_a_2017

pytestmark = pytest.mark.slow


def _night(tmp_path, monkeypatch, rows, as_of: str):
    landing = tmp_path / "landing"
    write_gen_a_2017(landing / "ExportOrderList201706010930.csv", rows)
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(landing))
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FUGOU_PII_KEY", "first-night-key-0123456789abcdef-not-secret")
    # the run's partition alone says the day: every step, dbt's included, must build for it
    monkeypatch.delenv("FUGOU_AS_OF", raising=False)
    monkeypatch.delenv("FUGOU_GROUND_TRUTH", raising=False)
    result = defs.resolve_job_def("nightly").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, partition_key=as_of
    )
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, failed
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert query(
        warehouse, "select distinct cast(as_of_date as varchar) from marts.customer_rfm"
    ) == [(as_of,)]
    return warehouse, checks


def test_one_month_of_a_real_export_with_hashed_phones(tmp_path, monkeypatch):
    rows = [gen_a_2017_order(n) for n in range(1, 80)]
    warehouse, checks = _night(tmp_path, monkeypatch, rows, "2017-05-31")
    assert query(warehouse, "select count(*) from marts.fct_orders") == [(79,)]
    assert query(warehouse, "select count(*) from raw.quarantine") == [(0,)]
    assert query(warehouse, "select fields_pseudonymised from raw.file_ledger") == [(79,)]
    assert query(warehouse, "select fit_status from marts.clv_model_params") == [("not_fitted",)]
    assert query(warehouse, "select count(*), count(p_alive) from marts.customer_predictions") == [
        (79, 0)
    ]
    fitted = checks["clv_models_fitted"]
    assert not fitted.passed and "no customer has a repeat purchase" in fitted.metadata["why"].text
    holdout = checks["clv_holdout_beats_naive_baseline"]
    assert not holdout.passed and "longer than the history" in str(
        holdout.metadata["not_validated"].value
    )
    assert checks["every_row_accounted_for"].passed


def test_a_quarter_with_repeat_buyers_and_buyers_silent_for_three_years(tmp_path, monkeypatch):
    """Orders of May 2017 with 14 buyers back for more, and the night run in 2020."""
    rows = [gen_a_2017_order(n) for n in range(1, 60)]
    for n in range(1, 15):  # the same buyer again, weeks later
        rows.append(
            gen_a_2017_order(
                100 + n,
                买家会员名=f"tb{n:04d}buyer",
                订单创建时间=f"2017-05-{10 + n:02d} 10:00:00",
                订单付款时间=f"2017-05-{10 + n:02d} 10:01:00",
            )
        )
    warehouse, checks = _night(tmp_path, monkeypatch, rows, "2020-05-31")
    assert query(warehouse, "select count(*) from marts.fct_orders") == [(len(rows),)]
    (status,) = query(warehouse, "select fit_status from marts.clv_model_params")
    assert status[0] in ("fitted", "partial", "not_fitted")
    # No impossible date: every next-purchase date is after the as-of day or NULL.
    assert query(
        warehouse,
        "select count(*) from marts.customer_predictions "
        "where expected_next_purchase_date <= as_of_date",
    ) == [(0,)]
    assert checks["every_row_accounted_for"].passed
