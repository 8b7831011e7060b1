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
