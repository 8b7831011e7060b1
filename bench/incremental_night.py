"""Benchmark a night with one day of new exports: the dbt build incrementally against a full one.

    python bench/pipeline.py --customers 100000 --workdir /tmp/bench100k      # once
    python bench/incremental_night.py --workdir /tmp/bench100k

Starts from the warehouse bench/pipeline.py left (its exports loaded and built), builds it once
with the current code (the full build that creates the incremental models' tables), then lands
one day of new exports (a 订单报表 and a 宝贝报表: as many orders as the shop's average day, by
existing buyers and some new ones, as bench/real_baskets.py writes them) and loads them. From
there two copies of the warehouse build the next day: one with `dbt build` (the incremental
models recompute the orders the new files touch), one with `dbt build --full-refresh` (what
every night cost before). Writes bench/results/incremental_night_<customers>.json with both
times, the load's, and the per-model seconds of the models that differ most.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import (  # noqa: E402
    BENCH_KEY,
    BENCH_VAULT_KEY,
    RESULTS,
    _model_seconds,
    _timed,
    dbt_build_command,
)
from real_baskets import write_taobao_exports  # noqa: E402

from dagster_project.defs.transform.project import NIGHTLY_EXCLUDES  # noqa: E402
from ingestion.demo.shop import ShopParams  # noqa: E402
from ingestion.loader import load_landing  # noqa: E402

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args(argv)
    work = args.workdir / "incremental"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    source = args.workdir / "warehouse.duckdb"
    base = work / "base.duckdb"
    shutil.copy(source, base)
    shop = json.loads((args.workdir / "shop.json").read_text())
    day = ShopParams.end
    next_day = day + dt.timedelta(days=1)
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")

    def build(warehouse: Path, as_of: dt.date, name: str, *extra: str) -> dict:
        folder = work / name
        command = dbt_build_command(folder, as_of.isoformat(), *NIGHTLY_EXCLUDES, *extra)
        seconds, peak, _ = _timed(command, work, dict(env, FUGOU_WAREHOUSE=str(warehouse)))
        models = _model_seconds(folder / "dbt_target" / "run_results.json")
        return {"seconds": round(seconds, 2), "peak_rss_mb": peak, "models": models}

    # the warehouse as the current code builds it: the incremental models' tables exist
    first = build(base, day, "first", "--full-refresh")

    landing = work / "landing"
    lines = one_day_of_orders(base, next_day)
    write_taobao_exports(lines, landing)
    started = time.perf_counter()
    with duckdb.connect(str(base)) as con:
        report = load_landing(con, landing, BENCH_KEY, vault_key=BENCH_VAULT_KEY)
    load_seconds = time.perf_counter() - started

    incremental_copy, full_copy = work / "incremental.duckdb", work / "full.duckdb"
    shutil.copy(base, incremental_copy)
    shutil.copy(base, full_copy)
    incremental = build(incremental_copy, next_day, "incremental")
    full = build(full_copy, next_day, "full", "--full-refresh")

    with duckdb.connect(str(incremental_copy), read_only=True) as con:
        rewritten = con.execute(
            "select count(*) from intermediate.int_order_observations "
            "where built_through = (select max(built_through) "
            "from intermediate.int_order_observations)"
        ).fetchone()[0]
        observations = con.execute(
            "select count(*) from intermediate.int_order_observations"
        ).fetchone()[0]
    differing = sorted(
        full["models"], key=lambda m: -(full["models"][m] - incremental["models"].get(m, 0.0))
    )[:10]
    result = {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "duckdb": duckdb.__version__},
        "customers": shop["customers"],
        "duckdb_memory_limit": os.environ.get("FUGOU_DUCKDB_MEMORY_LIMIT"),
        "new_day": {
            "orders": int(lines["order"].nunique()),
            "files": len(list(landing.iterdir())),
            "rows_loaded": report.rows_loaded,
            "load_seconds": round(load_seconds, 2),
        },
        "observations": {"total": observations, "rewritten_tonight": rewritten},
        "seconds": {
            "first_full_build_with_this_code": first["seconds"],
            "dbt_build_incremental": incremental["seconds"],
            "dbt_build_full_refresh": full["seconds"],
        },
        "incremental_share_of_full": round(incremental["seconds"] / full["seconds"], 3),
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
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"incremental_night_{shop['customers']}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
