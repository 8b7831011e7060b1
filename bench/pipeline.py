"""Benchmark the whole pipeline at a given shop size: generate, load, dbt build, predictions,
activation (audiences, queue) and the outbox.

    python bench/pipeline.py --customers 100000

Writes bench/results/pipeline_<customers>.json with wall time and peak memory per stage: the demo
generator and dbt run in their own processes (dbt does under Dagster too), the loader in this one.
Runs what the Dagster assets run, without Dagster's own start-up (measured by the demo); the
predictions stage materialises the two prediction assets in this process. The load keeps the
contact vault (a bench vault key), so its cost is in load_raw; the activation stage is the
nightly job's second dbt step (tag:activation), timed per model from dbt's run_results.json
(audiences: order deliveries, the facts and memberships; queue: suppression, the queue and the
history); the
outbox stage reads tonight's queue, opens the vault for its SMS rows and writes the files; the
dashboard stage reads every panel's data, draws both languages and writes the page and its PNG.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

from dagster_project.defs.transform.project import NIGHTLY_EXCLUDES
from ingestion.demo.shop import ShopParams
from ingestion.loader import load_landing
from ingestion.publish import publish_marts
from ingestion.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
# stages that are not part of a night: the demo generator, and sub-times of other stages
NOT_THE_NIGHT = {"generate_exports", "audiences_models", "queue_models", "dbt_tests_in_build"}
BENCH_KEY = b"bench-key-0123456789abcdef-not-secret"
BENCH_VAULT_KEY = b"bench-vault-key-0123456789abcdef-not-secret"
AUDIENCE_MODELS = (
    "order_deliveries",
    "customer_audience_facts",
    "audience_definitions",
    "audience_memberships",
    "audience_changes",
    "audience_summary",
    "audience_balance",
)
QUEUE_MODELS = ("suppression_list", "activation_queue", "contact_history")


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += _tree_rss_kb(int(child))
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        pass
    return total


class TreePeak:
    """Peak of the summed RSS of this process and its workers, sampled every 100 ms: the loader's
    worker processes hold memory at the same time as the writer, so the largest single
    process (what getrusage reports) understates what the machine needs."""

    def __enter__(self):
        self.peak_kb, self._stop = _tree_rss_kb(os.getpid()), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.1):
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def mb(self) -> float:
        return round(self.peak_kb / 1024, 1)


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


def nightly_dbt_build(workdir: Path, *extra: str) -> list[str]:
    """The nightly job's `dbt build` as a command line, with its artifacts and logs in `workdir`.
    bench/floor.py runs it too (with `--empty`), so the floor and the bench run the same build."""
    return dbt_build_command(workdir, ShopParams.end.isoformat(), *NIGHTLY_EXCLUDES, *extra)


def dbt_build_command(workdir: Path, as_of: str, *selection: str) -> list[str]:
    """`dbt build` of the project as a command line for `_timed`: `selection` picks the nodes,
    artifacts and logs go to `workdir` (its run_results.json gives the per-model times)."""
    return [
        str(Path(sys.executable).with_name("dbt")),
        "build",
        *selection,
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
        json.dumps({"as_of": as_of}),
    ]


def _materialise_predictions(warehouse: Path) -> None:
    """The prediction assets on the bench's warehouse, as the nightly job runs them (the
    customer-value fits and, since 2026-12-07, the cross-sell evaluation and lists)."""
    import dagster as dg

    from dagster_project.defs.predictions.assets import (
        clv_holdout_validation,
        cross_sell_recommendations,
        customer_value_predictions,
    )
    from dagster_project.defs.shared.warehouse import Warehouse

    saved = dict(os.environ)
    os.environ.update(
        FUGOU_WAREHOUSE=str(warehouse),
        FUGOU_PII_KEY=BENCH_KEY.decode(),
        FUGOU_AS_OF=ShopParams.end.isoformat(),
        FUGOU_DBT_TARGET="duckdb",
    )
    try:
        result = dg.materialize(
            [customer_value_predictions, clv_holdout_validation, cross_sell_recommendations],
            resources={"warehouse": Warehouse()},
            instance=dg.DagsterInstance.ephemeral(),
            partition_key=ShopParams.end.isoformat(),
        )
        assert result.success
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _python_checks(warehouse: Path, truth: Path) -> dict:
    """Every Python asset check of the nightly job (GX suites, the ledger's accounting, the
    model checks, identity against the generator's truth), as a check-only run for the as-of
    day. dbt's data tests run inside `dbt build`: their share is summed from run_results."""
    import dagster as dg

    import dagster_project.defs.ingestion.checks as ingestion_checks
    import dagster_project.defs.predictions.checks as prediction_checks
    import dagster_project.defs.quality.checks as quality_checks
    from dagster_project.defs.shared.warehouse import Warehouse

    checks = [
        check
        for module in (ingestion_checks, quality_checks, prediction_checks)
        for check in vars(module).values()
        if isinstance(check, dg.AssetChecksDefinition)
    ]
    saved = dict(os.environ)
    os.environ.update(
        FUGOU_WAREHOUSE=str(warehouse),
        FUGOU_PII_KEY=BENCH_KEY.decode(),
        FUGOU_GROUND_TRUTH=str(truth),
        FUGOU_DBT_TARGET="duckdb",
    )
    try:
        result = dg.materialize(
            checks,
            selection=dg.AssetSelection.all_asset_checks(),
            resources={"warehouse": Warehouse()},
            instance=dg.DagsterInstance.ephemeral(),
            tags={"dagster/partition": ShopParams.end.isoformat()},
        )
        evaluations = result.get_asset_check_evaluations()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {
        "checks": len(evaluations),
        "passed": sum(e.passed for e in evaluations),
    }


def _test_seconds(run_results: Path) -> float:
    """Seconds dbt's data tests took in the last invocation."""
    results = json.loads(run_results.read_text())["results"]
    return sum(r["execution_time"] for r in results if r["unique_id"].startswith("test."))


def _model_seconds(run_results: Path) -> dict[str, float]:
    """Execution seconds per model of the last dbt invocation."""
    results = json.loads(run_results.read_text())["results"]
    return {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in results
        if r["unique_id"].startswith("model.")
    }


def _write_outbox(warehouse: Path, outbox_dir: Path):
    """The outbox asset's work, in this process: tonight's queue with its channel data, the
    erasure check, the vault opened for the SMS rows, the files written."""
    from activation.outbox import sms_numbers, without_erased, write_outbox
    from dagster_project.defs.activation.assets import QUEUED_SQL

    with duckdb.connect(str(warehouse)) as con:
        queued = con.execute(QUEUED_SQL).df()
        queued, _ = without_erased(con, BENCH_KEY, queued)
        numbers, _ = sms_numbers(con, BENCH_VAULT_KEY, queued)
    report = write_outbox(outbox_dir, ShopParams.end, queued, numbers)
    return report, report.files.get("sms.csv", 0) - report.sms_without_numbers


def _draw_dashboard(warehouse: Path, folder: Path) -> dict:
    """The dashboard asset's work, in this process, without Dagster's check history."""
    from dashboard import render

    with duckdb.connect(str(warehouse), read_only=True) as con:
        page = render.build(lambda sql: con.execute(sql).df(), ShopParams.end)
    written = render.write(page, folder)
    return {
        "empty_panels": page.empty_panels,
        "html_bytes": written["html"].stat().st_size,
        "png_bytes": written["png"].stat().st_size if "png" in written else 0,
    }


def _activation_only(workdir: Path, customers: int) -> int:
    """The activation stages alone, on a machine doing nothing else: the full run's figures
    include whatever else the machine ran during its hour."""
    warehouse = workdir / "warehouse.duckdb"
    env = dict(os.environ, FUGOU_WAREHOUSE=str(warehouse), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    seconds, peak, _ = _timed(
        nightly_dbt_build(workdir, "--select", "tag:activation"), workdir, env
    )
    model_seconds = _model_seconds(workdir / "dbt_target" / "run_results.json")
    started = time.perf_counter()
    with TreePeak() as outbox_memory:
        report, with_numbers = _write_outbox(warehouse, workdir / "outbox")
    outbox_seconds = time.perf_counter() - started
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = {
            t: con.execute(f"select count(*) from marts.{t}").fetchone()[0]
            for t in ("customer_audience_facts", "audience_memberships", "activation_queue")
        }
    result = {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "duckdb": duckdb.__version__},
        "customers": customers,
        "note": "the same night rerun, on an idle machine, on the warehouse a full run left "
        "(pipeline_<customers>_with_activation_busy.json)",
        "mart_rows": rows,
        "outbox_rows": report.rows,
        "sms_rows_with_numbers": with_numbers,
        "seconds": {
            "activation_dbt": round(seconds, 2),
            "audiences_models": round(sum(model_seconds.get(m, 0.0) for m in AUDIENCE_MODELS), 2),
            "queue_models": round(sum(model_seconds.get(m, 0.0) for m in QUEUE_MODELS), 2),
            "per_model": {m: round(v, 2) for m, v in sorted(model_seconds.items())},
            "outbox": round(outbox_seconds, 2),
        },
        "peak_rss_mb": {"activation_dbt": peak, "outbox": outbox_memory.mb},
    }
    out = RESULTS / f"activation_{customers}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, help="keep files here (default: a temp folder)")
    parser.add_argument(
        "--reuse-exports",
        action="store_true",
        help="keep the exports a previous run generated in --workdir (generation is not timed)",
    )
    parser.add_argument(
        "--activation-only",
        action="store_true",
        help="time only the activation dbt step and the outbox again, on the warehouse a full "
        "run left in --workdir (the same night rerun); writes activation_<customers>.json",
    )
    args = parser.parse_args(argv)
    if args.activation_only:
        return _activation_only(args.workdir, args.customers)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="fugou-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    landing, warehouse = workdir / "landing", workdir / "warehouse.duckdb"
    shop_file = workdir / "shop.json"
    reuse = args.reuse_exports and shop_file.exists()
    if not reuse:
        shutil.rmtree(landing, ignore_errors=True)
    for stale in workdir.glob("warehouse.duckdb*"):
        stale.unlink()
    stages: dict[str, float | None] = {}

    python = str(Path(sys.executable))
    if reuse:
        shop = json.loads(shop_file.read_text())
        assert shop["customers"] == args.customers, "--reuse-exports: a shop of another size"
        # The generator's own timing, from the run that made the exports (peak memory unknown).
        stages["generate_exports"], generate_peak = shop.get("seconds"), None
    else:
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
        shop_file.write_text(json.dumps(shop))
        stages["generate_exports"] = seconds
    export_bytes = sum(p.stat().st_size for p in landing.iterdir())

    started = time.perf_counter()
    with TreePeak() as load_memory, duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, landing, BENCH_KEY, vault_key=BENCH_VAULT_KEY)
    stages["load_raw"] = time.perf_counter() - started
    load_peak = load_memory.mb

    env = dict(os.environ, FUGOU_WAREHOUSE=str(warehouse), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    seconds, dbt_peak, _ = _timed(
        nightly_dbt_build(workdir, "--exclude", "tag:activation"), workdir, env
    )
    stages["dbt_build"] = seconds
    core_models = _model_seconds(workdir / "dbt_target" / "run_results.json")
    stages["dbt_tests_in_build"] = _test_seconds(workdir / "dbt_target" / "run_results.json")

    started = time.perf_counter()
    with TreePeak() as predictions_memory:
        _materialise_predictions(warehouse)
    stages["predictions"] = time.perf_counter() - started
    predictions_peak = predictions_memory.mb

    seconds, activation_peak, _ = _timed(
        nightly_dbt_build(workdir, "--select", "tag:activation"), workdir, env
    )
    stages["activation_dbt"] = seconds
    stages["dbt_tests_in_build"] += _test_seconds(workdir / "dbt_target" / "run_results.json")
    model_seconds = _model_seconds(workdir / "dbt_target" / "run_results.json")
    stages["audiences_models"] = sum(model_seconds.get(m, 0.0) for m in AUDIENCE_MODELS)
    stages["queue_models"] = sum(model_seconds.get(m, 0.0) for m in QUEUE_MODELS)

    started = time.perf_counter()
    with TreePeak() as outbox_memory:
        outbox_report, sms_numbers = _write_outbox(warehouse, workdir / "outbox")
    stages["outbox"] = time.perf_counter() - started
    outbox_peak = outbox_memory.mb

    started = time.perf_counter()
    with TreePeak() as dashboard_memory:
        dashboard = _draw_dashboard(warehouse, workdir / "dashboard")
    stages["dashboard"] = time.perf_counter() - started
    dashboard_peak = dashboard_memory.mb

    started = time.perf_counter()
    with TreePeak() as checks_memory:
        checks = _python_checks(warehouse, workdir / "truth")
    stages["python_checks"] = time.perf_counter() - started
    checks_peak = checks_memory.mb

    started = time.perf_counter()
    with TreePeak() as publish_memory, duckdb.connect(str(warehouse)) as con:
        published = publish_marts(con, workdir / "warehouse_bi.duckdb", BENCH_KEY)
    stages["publish"] = time.perf_counter() - started
    publish_peak = publish_memory.mb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = {
            t: con.execute(f"select count(*) from marts.{t}").fetchone()[0]
            for t in (
                "fct_orders",
                "fct_order_lines",
                "dim_customers",
                "customer_rfm",
                "product_pairs",
                "customer_next_products",
                "customer_predictions",
                "customer_audience_facts",
                "audience_memberships",
                "activation_queue",
                "contact_history",
                "suppression_list",
            )
        }
        (vaulted,) = con.execute("select count(*) from vault.contact_points").fetchone()
    pipeline = stages["load_raw"] + stages["dbt_build"] + stages["predictions"]
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
        "vault_contact_points": vaulted,
        "outbox": {
            "files": len(outbox_report.files),
            "rows": outbox_report.rows,
            "sms_rows_with_numbers": sms_numbers,
            "sms_rows_without_numbers": outbox_report.sms_without_numbers,
        },
        "dashboard": dashboard,
        "python_checks": checks,
        "published_tables": len(published),
        "seconds": {k: v if v is None else round(v, 2) for k, v in stages.items()},
        "pipeline_seconds_load_dbt_predictions": round(pipeline, 2),
        "night_seconds_with_activation_and_outbox": round(
            pipeline + stages["activation_dbt"] + stages["outbox"], 2
        ),
        # the whole night as the nightly job runs it: every stage above but the generator
        "night_seconds_end_to_end": round(
            sum(v for k, v in stages.items() if k not in NOT_THE_NIGHT and v is not None), 2
        ),
        "dominant_stage": max(("load_raw", "dbt_build", "predictions"), key=stages.get),
        # where the dbt build's time goes: its 25 slowest models, and the sum over all of them
        "dbt_build_model_seconds": round(sum(core_models.values()), 2),
        "dbt_build_slowest_models": {
            m: round(v, 2) for m, v in sorted(core_models.items(), key=lambda kv: -kv[1])[:25]
        },
        "peak_rss_mb": {
            "generate_exports": generate_peak,
            "load_raw": load_peak,
            "dbt_build": dbt_peak,
            "predictions": predictions_peak,
            "activation_dbt": activation_peak,
            "outbox": outbox_peak,
            "dashboard": dashboard_peak,
            "python_checks": checks_peak,
            "publish": publish_peak,
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
