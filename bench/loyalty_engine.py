"""Benchmark the loyalty engine at a shop's scale: points and tiers of every member computed
from two and a half years of orders.

    python bench/loyalty_engine.py --members 1000000

A synthetic warehouse holds what the loyalty models read, as the nightly job leaves it: members
who joined over 2024 (the member list, linked to customers), six paid orders each between
2024-01 and the as-of day, one in ten partly or fully refunded, and a points export with a
review after one order in four and a redemption per member. It then times `dbt build` of the
loyalty models and their tests (int_loyalty_* … points_ledger, member_tier_history,
member_loyalty_reconciliation, loyalty_points_monthly …) in its own process, and writes wall
time and peak memory to bench/results/loyalty_engine_<members>.json.
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
ORDERS_PER_MEMBER = 6
MARTS = [
    "points_ledger",
    "member_points_balances",
    "member_tier_history",
    "member_tier_changes",
    "member_loyalty_reconciliation",
    "loyalty_members",
    "loyalty_points_monthly",
    "loyalty_tier_summary",
]


def build_inputs(warehouse: Path, members: int) -> dict[str, int]:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("select setseed(0.27)")
        for schema in ("staging", "intermediate", "marts"):
            con.execute(f"create schema {schema}")
        con.execute(
            f"""
            create table intermediate.int_loyalty_members_joined_to_customers as
            select
                'M' || cast(i as varchar) as member_id,
                'C' || cast(i as varchar) as customer_id,
                (array['普通会员', '银卡会员', '金卡会员', '钻石会员'])[1 + i % 4]
                    as exported_member_tier,
                cast(i % 5000 as integer) as exported_points_balance,
                date '{AS_OF}' as exported_date,
                cast(1 + i % 12 as integer) as birth_month,
                cast(1 + i % 28 as integer) as birth_day,
                cast(1960 + i % 40 as integer) as birth_year,
                '女' as gender,
                timestamp '2024-01-01' + to_days(cast(i % 365 as integer)) as joined_at,
                date '2024-01-01' + cast(i % 365 as integer) as joined_date,
                '小程序' as join_channel,
                false as has_wechat_unionid
            from range({members}) as t(i)
            """
        )
        # what loyalty_members' relationship test checks its customers against
        con.execute(
            "create table marts.dim_customers as select customer_id"
            " from intermediate.int_loyalty_members_joined_to_customers"
        )
        con.execute(
            f"""
            create table intermediate.int_orders_joined_to_customers as
            select
                'O' || cast(i as varchar) as order_id,
                'C' || cast(i % {members} as varchar) as customer_id,
                timestamp '2025-01-01' + to_seconds(cast(random() * 668 * 86400 as bigint))
                    as paid_at,
                cast(round(50 + random() * 900, 2) as decimal(18, 2)) as paid_amount,
                cast(case when random() < 0.3 then 8 else 0 end as decimal(18, 2))
                    as postage_amount,
                cast(0 as decimal(18, 2)) as refund_amount
            from range({members * ORDERS_PER_MEMBER}) as t(i)
            """
        )
        con.execute(
            """
            create or replace table intermediate.int_orders_joined_to_customers as
            select
                *,
                paid_at - interval 10 minute as created_at,
                case when random() < 0.1 then cast(round(paid_amount * 0.5, 2) as decimal(18, 2))
                    else refund_amount end as refund_amount_
            from intermediate.int_orders_joined_to_customers
            """
        )
        con.execute(
            "alter table intermediate.int_orders_joined_to_customers drop column refund_amount"
        )
        con.execute(
            "alter table intermediate.int_orders_joined_to_customers "
            "rename column refund_amount_ to refund_amount"
        )
        con.execute(
            """
            create table intermediate.int_refunds_unioned as
            select
                'R' || order_id as refund_id,
                order_id,
                'succeeded' as refund_state,
                refund_amount,
                paid_at + interval 3 day as applied_at,
                paid_at + interval 5 day as finished_at
            from intermediate.int_orders_joined_to_customers
            where refund_amount > 0
            """
        )
        con.execute(
            f"""
            create table staging.stg_loyalty__points_events as
            select
                'E' || order_id as points_event_key,
                'M' || substr(customer_id, 2) as member_id,
                '评价送积分' as event_type_text,
                'earn' as event_type,
                cast(10 as integer) as points,
                cast(null as integer) as balance_after,
                order_id,
                cast(null as varchar) as reason,
                paid_at + interval 5 day as event_at
            from intermediate.int_orders_joined_to_customers
            where random() < 0.25
            union all
            select
                'X' || cast(i as varchar),
                'M' || cast(i as varchar),
                '积分兑换',
                'redeem',
                cast(-500 as integer),
                cast(null as integer),
                cast(null as varchar),
                '兑换礼品',
                timestamp '2026-03-01' + to_days(cast(i % 200 as integer))
            from range({members}) as t(i)
            """
        )
        return {
            "members": members,
            "orders": con.execute(
                "select count(*) from intermediate.int_orders_joined_to_customers"
            ).fetchone()[0],
            "refunds": con.execute(
                "select count(*) from intermediate.int_refunds_unioned"
            ).fetchone()[0],
            "points_events": con.execute(
                "select count(*) from staging.stg_loyalty__points_events"
            ).fetchone()[0],
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fugou-loyalty-bench-") as scratch:
        workdir = Path(os.environ.get("FUGOU_BENCH_DIR", scratch))
        warehouse = workdir / "warehouse.duckdb"
        started = time.perf_counter()
        sizes = build_inputs(warehouse, args.members)
        inputs_seconds = time.perf_counter() - started
        env = dict(
            os.environ,
            FUGOU_WAREHOUSE=str(warehouse),
            FUGOU_DBT_TARGET="duckdb",
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        seconds, peak, _ = _timed(
            dbt_build_command(
                workdir,
                AS_OF,
                "--select",
                "path:models/intermediate/loyalty",
                "path:models/marts/loyalty",
                "path:tests/loyalty",
                "--exclude",
                "int_loyalty_members_joined_to_customers",
                "test_type:unit",
                "--indirect-selection",
                "cautious",
            ),
            workdir,
            env,
        )
        run_results = json.loads((workdir / "dbt_target" / "run_results.json").read_text())
        per_model = {
            r["unique_id"].split(".")[-1]: round(r["execution_time"], 1)
            for r in run_results["results"]
            if r["unique_id"].startswith("model.")
        }
        failed = [r["unique_id"] for r in run_results["results"] if r["status"] == "error"]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = {m: con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in MARTS}
    result = {
        **sizes,
        "rows": rows,
        "errors": failed,
        "inputs_seconds": round(inputs_seconds, 1),
        "loyalty_dbt_build_seconds": round(seconds, 1),
        "loyalty_dbt_build_peak_rss_mb": peak,
        "model_seconds": per_model,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    out = PROJECT_ROOT / "bench" / "results" / f"loyalty_engine_{args.members}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
