"""Benchmark the full dbt build against DuckDB's memory cap (FUGOU_DUCKDB_MEMORY_LIMIT).

    python bench/memory_caps.py --customers 1000000 --workdir /tmp/bench1m --caps 2GB 4GB 8GB

Generates the shop's exports (unless --workdir holds a shop of that size, as bench/pipeline.py
leaves it), loads them once, then builds the nightly dbt models (the first step: activation
excluded, as pipeline.py's dbt stage) from a fresh copy of the loaded warehouse once per cap:
wall seconds, peak RSS (GNU time, dbt's process), the sum of model seconds and the slowest
models. A build that fails (out of memory) is recorded with dbt's last lines, not raised.
Writes bench/results/memory_caps_<customers>.json after every cap, so a long run's finished
caps survive an interruption.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import (  # noqa: E402
    BENCH_KEY,
    BENCH_VAULT_KEY,
    RESULTS,
    _model_seconds,
    _timed,
    nightly_dbt_build,
)

from ingestion.loader import load_landing  # noqa: E402
from ingestion.machine import default_duckdb_memory_limit  # noqa: E402


def exports(workdir: Path, customers: int) -> dict:
    """The shop's exports in workdir/landing: generated unless a shop of this size is there."""
    shop_file = workdir / "shop.json"
    if shop_file.exists() and (workdir / "landing").is_dir():
        shop = json.loads(shop_file.read_text())
        if shop["customers"] == customers:
            return shop
    shutil.rmtree(workdir / "landing", ignore_errors=True)
    seconds, peak, out = _timed(
        [
            sys.executable,
            "-m",
            "ingestion.demo",
            "--landing",
            str(workdir / "landing"),
            "--truth",
            str(workdir / "truth"),
            "--customers",
            str(customers),
        ],
        workdir,
        os.environ,
    )
    shop = json.loads(out.strip().splitlines()[-1])
    shop |= {"seconds": round(seconds, 1), "peak_rss_mb": peak}
    shop_file.write_text(json.dumps(shop))
    return shop


def loaded_warehouse(workdir: Path) -> tuple[Path, float | None]:
    """The exports loaded once into workdir/loaded.duckdb (kept for the next run)."""
    loaded = workdir / "loaded.duckdb"
    done = workdir / "loaded.ok"
    if loaded.exists() and done.exists():
        return loaded, None
    loaded.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(loaded)) as con:
        load_landing(con, workdir / "landing", BENCH_KEY, vault_key=BENCH_VAULT_KEY)
    done.touch()
    return loaded, round(time.perf_counter() - started, 1)


def build_with_cap(workdir: Path, loaded: Path, cap: str) -> dict:
    folder = workdir / f"cap_{cap}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    warehouse = folder / "warehouse.duckdb"
    shutil.copy(loaded, warehouse)
    env = dict(
        os.environ,
        FUGOU_WAREHOUSE=str(warehouse),
        FUGOU_DUCKDB_MEMORY_LIMIT=cap,
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    command = nightly_dbt_build(folder, "--exclude", "tag:activation")
    try:
        seconds, peak, _ = _timed(command, folder, env)
    except subprocess.CalledProcessError as exc:
        tail = (exc.stdout or "")[-1500:] + (exc.stderr or "")[-1500:]
        return {"cap": cap, "failed": True, "output_tail": tail}
    finally:
        warehouse.unlink(missing_ok=True)
        Path(f"{warehouse}.wal").unlink(missing_ok=True)
    models = _model_seconds(folder / "dbt_target" / "run_results.json")
    slowest = sorted(models.items(), key=lambda kv: -kv[1])[:10]
    return {
        "cap": cap,
        "seconds": round(seconds, 1),
        "peak_rss_mb": peak,
        "model_seconds_sum": round(sum(models.values()), 1),
        "slowest_models": {name: round(s, 1) for name, s in slowest},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--caps", nargs="+", default=["2GB", "4GB", "8GB"])
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    shop = exports(args.workdir, args.customers)
    loaded, load_seconds = loaded_warehouse(args.workdir)
    result = {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "duckdb": duckdb.__version__,
            "default_cap_here": default_duckdb_memory_limit(),
        },
        "customers": shop["customers"],
        "generate_seconds": shop.get("seconds"),
        "load_seconds": load_seconds,
        "builds": [],
    }
    out = RESULTS / f"memory_caps_{shop['customers']}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    for cap in args.caps:
        result["builds"].append(build_with_cap(args.workdir, loaded, cap))
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(json.dumps(result["builds"][-1], ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
