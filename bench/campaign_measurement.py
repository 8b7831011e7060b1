"""Benchmark campaign measurement at a shop's scale: the marts of "Did it work?" over a quarter of
weekly send waves.

    python bench/campaign_measurement.py --customers 1000000

A synthetic warehouse holds what the measurement reads, as the nightly job leaves it: customers
with five orders each over two years (fct_orders, their cost in int_orders_costed), and 13
weekly waves of 12 audiences reaching a fifth of the customers each (contact_history, 10%
held out, a coupon on half the audiences). It then times `dbt build` of the measurement models
and their tests (order_attributions, campaign_member_outcomes, campaign_results, campaign_lift,
campaign_roi, campaign_verifications), in its own process, and writes wall time and peak memory
to bench/results/campaign_measurement_<customers>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pipeline import _timed, dbt_build_command  # noqa: E402
from ingestion.settings import PROJECT_ROOT  # noqa: E402

AS_OF = "2026-10-31"
WAVES = 13
AUDIENCES = 12
MODELS = [
    "order_attributions",
    "campaign_member_outcomes",
    "campaign_results",
    "campaign_lift",
    "campaign_roi",
    "campaign_verifications",
]


def build_inputs(warehouse: Path, customers: int) -> dict[str, int]:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("select setseed(0.26)")
        con.execute("create schema marts")
        con.execute("create schema intermediate")
        con.execute(
            f"""
            create table marts.fct_orders as
            select
                'O' || cast(i as varchar) as order_id,
                'C' || cast(i % {customers} as varchar) as customer_id,
                timestamp '2024-11-01' + to_seconds(cast(random() * 730 * 86400 as bigint))
                    as paid_at,
                true as is_purchase,
                cast(round(50 + random() * 300, 2) as decimal(18, 2)) as paid_amount,
                cast(0 as decimal(18, 2)) as refund_amount
            from range({customers * 5}) as t(i)
            """
        )
        con.execute(
            """
            create or replace table marts.fct_orders as
            select
                *,
                paid_amount as net_revenue_amount,
                paid_amount + case when random() < 0.2 then 30 else 0 end as goods_amount,
                cast(case when random() < 0.2 then 30 else 0 end as decimal(18, 2))
                    as coupon_amount
            from marts.fct_orders
            """
        )
        con.execute(
            "create table intermediate.int_orders_costed as select order_id, "
            "cast(paid_amount * 0.5 as decimal(18, 2)) as cost_of_goods_amount, "
            "false as is_cost_estimated from marts.fct_orders"
        )
        con.execute(
            f"""
            create table marts.contact_history as
            with waves as (
                select w, date '{AS_OF}' - cast(7 * w as integer) as night from range({WAVES}) as t(w)
            ),
            members as (
                select
                    waves.night,
                    'a' || cast(i % {AUDIENCES} as varchar) as audience_name,
                    'C' || cast(cast(random() * {customers} as bigint) as varchar) as customer_id,
                    i % {AUDIENCES} as a,
                    random() < 0.1 as held
                from waves, range({customers // 5}) as t(i)
            )
            select distinct on (audience_name, customer_id, night)
                audience_name || ':' || customer_id || ':' || cast(night as varchar) as send_key,
                night as as_of_date,
                customer_id,
                audience_name,
                case when held then 'holdout' else 'treatment' end as treatment_group,
                case when held then 'holdout' else 'queued' end as queue_status,
                case when a % 3 = 0 then 'sms,agent_task' when a % 3 = 1 then 'wecom' else 'sms' end
                    as channels,
                case when a % 2 = 0 then 'amount_off' else 'none' end as offer_kind,
                cast(case when a % 2 = 0 then 30 else 0 end as decimal(18, 2)) as offer_value,
                'template' as template_id,
                cast(night + 1 as timestamp) + interval 10 hour as scheduled_send_at,
                cast(null as varchar) as delivery_status
            from members
            """
        )
        con.execute(
            f"""
            create table marts.audience_definitions as
            select
                'a' || cast(a as varchar) as audience_name,
                case when a < 2 then 'repurchase' end as goal_metric,
                cast(case when a < 2 then 0.05 end as decimal(18, 4)) as goal_change,
                cast(case when a < 2 then 21 end as integer) as goal_period_days
            from range({AUDIENCES}) as t(a)
            """
        )
        return {
            "orders": con.execute("select count(*) from marts.fct_orders").fetchone()[0],
            "contact_history_rows": con.execute(
                "select count(*) from marts.contact_history"
            ).fetchone()[0],
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fugou-campaign-bench-") as scratch:
        workdir = Path(scratch)
        warehouse = workdir / "warehouse.duckdb"
        started = time.perf_counter()
        sizes = build_inputs(warehouse, args.customers)
        inputs_seconds = time.perf_counter() - started
        env = dict(
            os.environ,
            FUGOU_WAREHOUSE=str(warehouse),
            FUGOU_DBT_TARGET="duckdb",
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        seconds, peak, _ = _timed(
            dbt_build_command(workdir, AS_OF, "--select", *MODELS, "--exclude", "test_type:unit"),
            workdir,
            env,
        )
        run_results = json.loads((workdir / "dbt_target" / "run_results.json").read_text())
        per_model = {
            r["unique_id"].split(".")[-1]: round(r["execution_time"], 1)
            for r in run_results["results"]
            if r["unique_id"].startswith("model.")
        }
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = {m: con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in MODELS}
    result = {
        "customers": args.customers,
        "waves": WAVES,
        "audiences": AUDIENCES,
        **sizes,
        "rows": rows,
        "inputs_seconds": round(inputs_seconds, 1),
        "measurement_dbt_build_seconds": round(seconds, 1),
        "measurement_dbt_build_peak_rss_mb": peak,
        "model_seconds": per_model,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    out = PROJECT_ROOT / "bench" / "results" / f"campaign_measurement_{args.customers}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
