"""Benchmark a night with one day of new exports: the whole nightly job incrementally against the
same night with --full-refresh.

    python bench/pipeline.py --customers 100000 --workdir /tmp/bench100k      # once
    python bench/incremental_night.py --workdir /tmp/bench100k

Starts from the warehouse bench/pipeline.py left (its exports loaded and built) and runs the
nightly job on it once with the current code, in a Dagster home of its own (`python -m
dagster_project.nightly`, as the README's nightly command does): the full build that creates the
incremental models' tables and the history the next night reads (the raw check's last pass, the
dbt code digest, the last publication). Then it lands one day of new exports (a 订单报表 and a
宝贝报表: as many orders as the shop's average day, by existing buyers and some new ones, as
bench/real_baskets.py writes them). Two copies of warehouse and Dagster home run the next night:
one as every night runs (incremental models recompute what the new files touch), one with
`--full-refresh` (what every night cost before). Both load the new files themselves.

Writes bench/results/incremental_night_<customers>.json: each night's wall seconds and peak RSS,
its steps' seconds (load, both dbt steps, predictions, checks, outbox, publishing, dashboard),
and the models whose seconds differ most.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from dagster._core.events import DagsterEventType

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import BENCH_KEY, BENCH_VAULT_KEY, RESULTS, _timed  # noqa: E402
from real_baskets import write_taobao_exports  # noqa: E402

from ingestion.demo.shop import ShopParams  # noqa: E402
from ingestion.settings import PROJECT_ROOT  # noqa: E402

NEW_BUYER_SHARE = 0.3  # of the day's orders; the rest by buyers the shop already has


def one_day_of_orders(warehouse: Path, day: dt.date, seed: int = 31) -> pd.DataFrame:
    """Purchase lines of one day, as many orders as the shop's average day."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        orders, first, last = con.execute(
            "select count(*), min(created_date), max(created_date) from marts.fct_orders"
        ).fetchone()
        per_day = max(1, round(orders / max(1, (last - first).days + 1)))
        nicks = [
            n
            for (n,) in con.execute(
                "select buyer_nick from intermediate.int_orders_unioned "
                "where buyer_nick is not null and buyer_nick not like '%*%' "
                f"using sample {per_day} rows (reservoir, {seed})"
            ).fetchall()
        ]
        products = con.execute(
            "select merchant_code, product_name, category_name, list_price from marts.dim_products "
            f"where list_price > 0 using sample 50 rows (reservoir, {seed})"
        ).df()
    new = round(per_day * NEW_BUYER_SHARE)
    buyers = nicks[: per_day - new] + [f"bench_new_buyer_{k}" for k in range(new)]
    picks = products.sample(n=len(buyers), replace=True, random_state=seed).reset_index(drop=True)
    return pd.DataFrame(
        {
            "customer": buyers,
            "order": [f"day-{k}" for k in range(len(buyers))],
            "created_at": [
                pd.Timestamp(day) + pd.Timedelta(minutes=7 * k % 1440) for k in range(len(buyers))
            ],
            "code": picks["merchant_code"],
            "name": picks["product_name"],
            "category": picks["category_name"],
            "unit_price": picks["list_price"].astype(float).round(2),
            "quantity": 1,
        }
    )


# The nightly job's asset steps by stage; every other step is an asset check.
STAGES = {
    "landing__top_api_increments": "load",
    "raw_tables": "load",
    "fugou_dbt_models": "dbt_models",
    "customer_value_predictions": "predictions",
    "marts__clv_holdout_validation": "predictions",
    "cross_sell_recommendations": "predictions",
    "marts__feedback_text_keywords": "predictions",
    "fugou_activation_models": "activation_models",
    "activation__outbox": "outbox",
    "published__bi_marts": "publish",
    "published__dashboard": "dashboard",
}


def _group(step: str) -> str:
    return STAGES.get(step, "checks")


def run_night(folder: Path, day: dt.date, *flags: str) -> dict:
    """One run of the nightly job on the warehouse in `folder`, in its own Dagster home, as
    `python -m dagster_project.nightly` runs it; wall seconds, peak RSS and seconds per step."""
    home = folder / "warehouse.dagster"
    home.mkdir(exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster_project" / "dagster.yaml", home / "dagster.yaml")
    (folder / "landing").mkdir(exist_ok=True)
    env = dict(
        os.environ,
        DAGSTER_HOME=str(home),
        FUGOU_WAREHOUSE=str(folder / "warehouse.duckdb"),
        FUGOU_LANDING_DIR=str(folder / "landing"),
        FUGOU_PUBLISHED_WAREHOUSE=str(folder / "warehouse_bi.duckdb"),
        FUGOU_OUTBOX_DIR=str(folder / "outbox"),
        FUGOU_PII_KEY=BENCH_KEY.decode(),
        FUGOU_VAULT_KEY=BENCH_VAULT_KEY.decode(),
        FUGOU_DBT_TARGET="duckdb",
        FUGOU_SETTLE_SECONDS="0",  # the new files were written whole, just now
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    # A shop's night: no ground truth to measure identity and churn reasons against (the
    # demo's checks against it take 25 s at 100k; bench/pipeline.py times them)
    env.pop("FUGOU_GROUND_TRUTH", None)
    env.pop("FUGOU_AS_OF", None)
    command = [sys.executable, "-m", "dagster_project.nightly", "--day", day.isoformat(), *flags]
    try:
        seconds, peak, _ = _timed(command, folder, env)
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(exc.stdout[-4000:] + exc.stderr[-4000:])
        raise
    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with dg.DagsterInstance.get() as instance:
            (run,) = instance.get_runs(limit=1)
            steps = {
                s.step_key: round(s.end_time - s.start_time, 2)
                for s in instance.get_run_step_stats(run.run_id)
                if s.end_time and s.start_time
            }
            record = instance.get_run_record_by_id(run.run_id)
            run_seconds = record.end_time - record.start_time
            models = {}
            for event in instance.get_records_for_run(
                run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION, limit=10_000
            ).records:
                materialization = event.event_log_entry.asset_materialization
                duration = materialization.metadata.get("Execution Duration")
                if duration is not None:
                    models[materialization.asset_key.path[-1]] = float(duration.value)
            # dbt's data tests run in the same dbt build, as asset checks with their duration
            tests = {}
            for event in instance.get_records_for_run(
                run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
            ).records:
                evaluation = event.event_log_entry.dagster_event.event_specific_data
                duration = evaluation.metadata.get("Execution Duration")
                if duration is not None:
                    name = f"{evaluation.asset_key.path[-1]}:{evaluation.check_name}"
                    tests[name] = float(duration.value)
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = saved
    groups: dict[str, float] = {}
    for step, step_seconds in steps.items():
        groups[_group(step)] = round(groups.get(_group(step), 0.0) + step_seconds, 2)
    return {
        "seconds": round(seconds, 2),
        "run_seconds": round(run_seconds, 2),
        "peak_rss_mb": peak,
        "step_seconds": dict(sorted(groups.items(), key=lambda kv: -kv[1])),
        "slowest_steps": dict(sorted(steps.items(), key=lambda kv: -kv[1])[:12]),
        "models": models,
        "tests": tests,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args(argv)
    work = args.workdir / "incremental"
    shutil.rmtree(work, ignore_errors=True)
    # Every night runs in the same folder, as a shop's nights do: dbt keeps its parse state
    # only while the warehouse's path (in its profile) stays the same.
    night = work / "night"
    night.mkdir(parents=True)
    shutil.copy(args.workdir / "warehouse.duckdb", night / "warehouse.duckdb")
    shop = json.loads((args.workdir / "shop.json").read_text())
    day = ShopParams.end
    next_day = day + dt.timedelta(days=1)

    # the warehouse as the current code builds it, with the history a next night reads
    first = run_night(night, day)
    before_next_day = work / "before_next_day"
    shutil.copytree(night, before_next_day)
    new_day = work / "new_day"
    lines = one_day_of_orders(night / "warehouse.duckdb", next_day)
    write_taobao_exports(lines, new_day)

    def next_night(*flags: str) -> tuple[dict, tuple]:
        shutil.rmtree(night)
        shutil.copytree(before_next_day, night)
        shutil.copytree(new_day, night / "landing", dirs_exist_ok=True)
        measured = run_night(night, next_day, *flags)
        with duckdb.connect(str(night / "warehouse.duckdb"), read_only=True) as con:
            counts = con.execute(
                "select count(*) filter (where built_through = (select max(built_through) "
                "from intermediate.int_order_observations)), count(*), "
                "(select sum(rows_loaded) from raw.file_ledger where loaded_at = "
                "(select max(loaded_at) from raw.file_ledger)) "
                "from intermediate.int_order_observations"
            ).fetchone()
        return measured, counts

    full, _ = next_night("--full-refresh")
    incremental, (rewritten, observations, rows_loaded) = next_night()
    differing = sorted(
        full["models"], key=lambda m: -(full["models"][m] - incremental["models"].get(m, 0.0))
    )[:12]
    result = {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "duckdb": duckdb.__version__},
        "customers": shop["customers"],
        "duckdb_memory_limit": os.environ.get("FUGOU_DUCKDB_MEMORY_LIMIT"),
        "new_day": {
            "orders": int(lines["order"].nunique()),
            "files": len(list(new_day.iterdir())),
            "rows_loaded": rows_loaded,
        },
        "observations": {"total": observations, "rewritten_tonight": rewritten},
        "night_seconds": {
            "first_night_with_this_code": first["seconds"],
            "incremental": incremental["seconds"],
            "full_refresh": full["seconds"],
        },
        "incremental_share_of_full": round(incremental["seconds"] / full["seconds"], 3),
        "step_seconds": {
            "first_night": first["step_seconds"],
            "incremental": incremental["step_seconds"],
            "full_refresh": full["step_seconds"],
        },
        "slowest_steps": {
            "first_night": first["slowest_steps"],
            "incremental": incremental["slowest_steps"],
            "full_refresh": full["slowest_steps"],
        },
        "peak_rss_mb": {"incremental": incremental["peak_rss_mb"], "full": full["peak_rss_mb"]},
        "models_saving_most": {
            m: {
                "full": round(full["models"][m], 2),
                "incremental": round(incremental["models"].get(m, 0.0), 2),
            }
            for m in differing
        },
        "model_seconds_sum": {
            "incremental": round(sum(incremental["models"].values()), 2),
            "full": round(sum(full["models"].values()), 2),
        },
        "slowest_models_incremental": {
            m: round(v, 2)
            for m, v in sorted(incremental["models"].items(), key=lambda kv: -kv[1])[:15]
        },
        "dbt_test_seconds_sum": {
            "incremental": round(sum(incremental["tests"].values()), 2),
            "full": round(sum(full["tests"].values()), 2),
        },
        "slowest_tests_incremental": {
            t: round(v, 2)
            for t, v in sorted(incremental["tests"].items(), key=lambda kv: -kv[1])[:10]
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"incremental_night_{shop['customers']}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
