"""Benchmark the whole pipeline at a given shop size: generate, load, dbt build.

    python bench/pipeline.py --customers 100000

Writes bench/results/pipeline_<customers>.json with wall time and peak memory per stage: the demo
generator and dbt run in their own processes (dbt does under Dagster too), the loader in this one.
Runs what the Dagster assets run, without Dagster's own start-up (measured by the demo).
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

from ingestion.demo.shop import ShopParams
from ingestion.loader import load_landing
from ingestion.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _timed(command: list[str], workdir: Path, env) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB, by GNU time) and stdout of a child process."""
    peak_file = workdir / "peak_kb.txt"
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", "-o", str(peak_file), *command],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    return seconds, round(int(peak_file.read_text().split()[-1]) / 1024, 1), done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, help="keep files here (default: a temp folder)")
    args = parser.parse_args(argv)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="fugou-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    landing, warehouse = workdir / "landing", workdir / "warehouse.duckdb"
    shutil.rmtree(landing, ignore_errors=True)
    warehouse.unlink(missing_ok=True)
    stages: dict[str, float] = {}

    python = str(Path(sys.executable))
    seconds, generate_peak, out = _timed(
        [
            python,
            "-m",
            "ingestion.demo",
            "--landing",
            str(landing),
            "--truth",
            str(workdir / "truth"),
            "--customers",
            str(args.customers),
        ],
        workdir,
        os.environ,
    )
    shop = json.loads(out.strip().splitlines()[-1])
    stages["generate_exports"] = seconds
    export_bytes = sum(p.stat().st_size for p in landing.iterdir())

    started = time.perf_counter()
    with duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, landing, b"bench-key-0123456789abcdef")
    stages["load_raw"] = time.perf_counter() - started
    load_peak = _peak_mb()

    env = dict(os.environ, FUGOU_WAREHOUSE=str(warehouse), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    seconds, dbt_peak, _ = _timed(
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
            json.dumps({"as_of": ShopParams.end.isoformat()}),
        ],
        workdir,
        env,
    )
    stages["dbt_build"] = seconds

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
        "orders": shop["orders"],
        "order_lines": shop["order_lines"],
        "export_files": shop["files"],
        "export_mb": round(export_bytes / 1e6, 1),
        "raw_rows_loaded": report.rows_loaded,
        "rows_quarantined": report.rows_quarantined,
        "mart_rows": marts,
        "seconds": {k: round(v, 2) for k, v in stages.items()},
        "pipeline_seconds_load_plus_dbt": round(pipeline, 2),
        "dominant_stage": max(("load_raw", "dbt_build"), key=stages.get),
        "peak_rss_mb": {
            "generate_exports": generate_peak,
            "load_raw": load_peak,
            "dbt_build": dbt_peak,
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
