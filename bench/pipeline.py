"""Benchmark the whole pipeline at a given shop size: generate, load, dbt build.

    python bench/pipeline.py --customers 100000

Writes bench/results/pipeline_<customers>.json with wall time per stage, rows, and peak memory
(this process's and dbt's, which runs in its own process as it does under Dagster). Runs the same
functions the Dagster assets call, without Dagster's own start-up (measured separately by the demo).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from ingestion.demo.exports import write_exports
from ingestion.demo.shop import ShopParams, build_shop
from ingestion.loader import load_landing
from ingestion.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"


def _peak_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, help="keep files here (default: a temp folder)")
    args = parser.parse_args(argv)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="fugou-bench-"))
    landing, warehouse = workdir / "landing", workdir / "warehouse.duckdb"
    shutil.rmtree(landing, ignore_errors=True)
    warehouse.unlink(missing_ok=True)
    stages: dict[str, float] = {}

    started = time.perf_counter()
    shop = build_shop(ShopParams(customers=args.customers))
    stages["generate_shop"] = time.perf_counter() - started
    started = time.perf_counter()
    files = write_exports(shop, landing)
    stages["write_exports"] = time.perf_counter() - started
    export_bytes = sum(p.stat().st_size for p in files)

    started = time.perf_counter()
    with duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, landing, b"bench-key-0123456789abcdef")
    stages["load_raw"] = time.perf_counter() - started

    env = dict(os.environ, FUGOU_WAREHOUSE=str(warehouse), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    started = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--quiet",
            "--project-dir",
            str(PROJECT_ROOT / "dbt_project"),
            "--profiles-dir",
            str(PROJECT_ROOT),
            "--target-path",
            str(workdir / "dbt_target"),
            "--log-path",
            str(workdir / "dbt_logs"),
            "--vars",
            json.dumps({"as_of": shop.params.end.isoformat()}),
        ],
        env=env,
        check=True,
    )
    stages["dbt_build"] = time.perf_counter() - started

    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = {
            t: con.execute(f"select count(*) from marts.{t}").fetchone()[0]
            for t in ("fct_orders", "fct_order_lines", "dim_customers", "customer_rfm")
        }
    pipeline = stages["load_raw"] + stages["dbt_build"]
    result = {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
        },
        "customers": args.customers,
        "orders": len(shop.orders),
        "order_lines": len(shop.lines),
        "export_files": len(files),
        "export_mb": round(export_bytes / 1e6, 1),
        "raw_rows_loaded": report.rows_loaded,
        "rows_quarantined": report.rows_quarantined,
        "mart_rows": marts,
        "seconds": {k: round(v, 2) for k, v in stages.items()},
        "pipeline_seconds_load_plus_dbt": round(pipeline, 2),
        "dominant_stage": max(("load_raw", "dbt_build"), key=stages.get),
        "peak_rss_mb": {
            "python (generate + load)": _peak_mb(resource.RUSAGE_SELF),
            "dbt": _peak_mb(resource.RUSAGE_CHILDREN),
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"pipeline_{args.customers}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
