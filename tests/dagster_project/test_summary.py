"""The summary on a shop with a short history: every figure it cannot have yet is a dash, never a
crash (seven months of a user's exports gave a TypeError on the empty churn rate)."""

import datetime as dt

import duckdb
import pytest

from dagster_project import summary
from tests.conftest import PII_KEY


def _short_history(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.repurchase_monthly as select date '2026-10-01' as month_start_date,"
            " cast(null as double) as repurchase_rate, cast(null as double) as repurchase_rate_30d,"
            " cast(null as double) as repurchase_rate_60d,"
            " cast(null as double) as repurchase_rate_90d,"
            " 0.0 as repeat_customer_share, 12 as customer_count"
        )
        con.execute(
            "create table marts.shop_kpis_monthly as select date '2026-10-01' as month_start_date,"
            " 1200.0 as gmv_amount, 100.0 as aov_amount, null as refund_rate,"
            " null as churn_rate, null as nps"
        )
        con.execute(
            "create table marts.clv_model_params as select date '2026-10-31' as as_of_date,"
            " 0.5 as r, 60.0 as alpha, 0.8 as a, 3.9 as b, null as p, null as q, null as gamma"
        )


@pytest.fixture
def env(tmp_path, monkeypatch, warehouse):
    monkeypatch.setenv("FUGOU_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FUGOU_PII_KEY", PII_KEY.decode())
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(tmp_path))
    monkeypatch.setenv("FUGOU_AS_OF", dt.date(2026, 10, 31).isoformat())
    monkeypatch.delenv("FUGOU_GROUND_TRUTH", raising=False)
    return warehouse


def test_missing_figures_are_dashes_and_missing_tables_say_so(env, capsys):
    _short_history(env)
    assert summary.main([]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[1].startswith("Repurchase rate 2026-10: – of the month's buyers")
    assert "0.0% of 12 customers are repeat buyers" in lines[1]
    assert "2026-10: GMV 1,200.00, AOV 100.00, refund rate –, churn rate –, NPS –" in out
    assert "Gamma-Gamma p=– q=– gamma=–" in out
    assert "raw.taobao_orders" in out and "not built" in out


def test_help_needs_no_key_and_a_missing_key_is_one_line(env, monkeypatch, capsys):
    monkeypatch.delenv("FUGOU_PII_KEY")
    monkeypatch.delenv("FUGOU_PII_KEY_FILE", raising=False)
    with pytest.raises(SystemExit) as done:
        summary.main(["--help"])
    assert (
        done.value.code == 0
        and "usage: python -m dagster_project.summary" in capsys.readouterr().out
    )
    assert summary.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("summary: no PII key") and err.count("\n") == 1


def test_no_warehouse_yet_is_one_line(env, capsys):
    assert summary.main([]) == 2
    assert "run the nightly job first" in capsys.readouterr().err


def test_did_it_work_prints_lift_and_roi_or_says_why_not(env, capsys):
    """Each audience's pooled campaigns: the lift with its interval and the ROI; too small to
    tell with the holdout it would take; no holdout; and each goal's verdict."""
    _short_history(env)
    with duckdb.connect(str(env)) as con:
        con.execute(
            "create table marts.campaign_lift as select * from (values "
            "('reminder', null::date, true, 1121, 1069, 0.209, 0.132, 0.077, 0.045, 0.108, 'lift', 555),"
            "('we_miss_you', null::date, true, 332, 30, 0.208, 0.067, null, null, null,"
            " 'too_small_to_tell', 548),"
            "('vip', null::date, true, 123, 0, 0.285, null, null, null, null, 'no_holdout', null),"
            "('reminder', date '2026-10-24', false, 60, 60, 0.1, 0.1, null, null, null,"
            " 'too_small_to_tell', 900)"
            ") as t(audience_name, wave_date, is_pooled, treatment_count, holdout_count,"
            " treatment_conversion_rate, holdout_conversion_rate, conversion_lift,"
            " conversion_lift_lower, conversion_lift_upper, conversion_verdict,"
            " required_holdout_count_conversion)"
        )
        con.execute(
            "create table marts.campaign_roi as select * from (values "
            "('reminder', true, 7653.0, 45.0, 168.1, 26.7, 309.4, 'profitable')"
            ") as t(audience_name, is_pooled, incremental_gross_margin_amount, cost_amount, roi,"
            " roi_lower, roi_upper, roi_verdict)"
        )
        con.execute(
            "create table marts.campaign_verifications as select * from (values "
            "('reminder', 'repurchase', 0.2, 0.538, 0.25, 0.893, 'verified'),"
            "('silent', 'churn', -0.1, null, null, null, 'pending')"
            ") as t(audience_name, goal_metric, goal_change, relative_change,"
            " relative_change_lower, relative_change_upper, verdict)"
        )
    assert summary.main([]) == 0
    out = capsys.readouterr().out
    lines = out[out.index("Did it work?") :].splitlines()
    assert len(lines) == 6  # the heading, the three pooled audiences, two goals
    assert (
        lines[1].split()
        == (
            "reminder 1,121 vs 1,069 20.9% vs 13.2% lift +7.7 [+4.5, +10.8] lift; "
            "margin +7,653 on cost 45: ROI +168.1 [+26.7, +309.4], profitable"
        ).split()
    )
    assert lines[2].endswith("too small to tell (holdout 30 of the 548 needed)")
    assert "n/a" in lines[3] and lines[3].endswith("no holdout")
    assert (
        lines[4] == "  goal reminder: repurchase +20%, measured +53.8% [+25.0%, +89.3%]: verified"
    )
    assert lines[5] == "  goal silent: churn -10%, pending"


def test_did_it_work_before_any_campaign_has_been_measured(env, capsys):
    _short_history(env)
    assert summary.main([]) == 0
    assert "Did it work? No campaign has finished its measurement window yet." in (
        capsys.readouterr().out
    )
