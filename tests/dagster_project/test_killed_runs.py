"""A run killed outright (SIGKILL) at load, in dbt or while publishing never blocks the next:
the rerun, from the command line as the nightly schedule runs it, finishes on its own with the
same marts as a run that was never interrupted. Before, the rerun waited forever on "Step
blocked by limit for pool duckdb_warehouse" (4 of 4 trials)."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingestion.demo.exports import write_exports
from ingestion.demo.shop import ShopParams, build_shop
from ingestion.settings import PROJECT_ROOT
from tests.conftest import query
from tests.dagster_project.test_nightly_job import MART_TABLES

pytestmark = pytest.mark.slow
RERUN_TIMEOUT_S = 300
# The step whose start the kill waits for, and how long after it the kill comes.
KILL_POINTS = {
    "load": ("raw_tables", 1.0),
    "dbt": ("fugou_dbt_models", 8.0),
    "publish": ("published__bi_marts", 0.2),
}


def _env(root: Path, landing: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FUGOU_", "DAGSTER_")) or k == "FUGOU_ROOT"
    }
    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster_project" / "dagster.yaml", home / "dagster.yaml")
    env |= {
        "DAGSTER_HOME": str(home),
        "FUGOU_LANDING_DIR": str(landing),
        "FUGOU_WAREHOUSE": str(root / "warehouse.duckdb"),
        "FUGOU_PII_KEY": "killed-run-key-0123456789abcdef-not-secret",
        "FUGOU_AS_OF": "2026-10-31",
        "FUGOU_SETTLE_SECONDS": "0",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    return env


def _nightly(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dagster_project.nightly"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the kill takes dbt's process group with it
    )


def _kill_at(env, log: Path, step: str, delay: float) -> None:
    run = _nightly(env, log)
    marker = f'Started execution of step "{step}"'
    deadline = time.monotonic() + RERUN_TIMEOUT_S
    while marker not in log.read_text(errors="replace"):
        assert run.poll() is None, f"the run ended before {step}:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{step} never started"
        time.sleep(0.1)
    time.sleep(delay)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()


def _finish(env, log: Path, run: subprocess.Popen | None = None) -> None:
    """Waits for `run` (else a new run) to end on its own, successfully."""
    run = run or _nightly(env, log)
    try:
        code = run.wait(timeout=RERUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        pytest.fail(f"the rerun did not finish:\n{log.read_text()[-3000:]}")
    assert code == 0, log.read_text()[-3000:]


def _marts(warehouse: Path) -> dict[str, list]:
    return {t: sorted(map(repr, query(warehouse, f"select * from marts.{t}"))) for t in MART_TABLES}


def test_runs_killed_at_load_dbt_and_publish_never_block_the_next(tmp_path):
    """One warehouse, killed three times in a row, then left to finish; each run after a kill
    gets past the dead run's pool slot (or its marker never comes and the test fails)."""
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    landing = tmp_path / "landing"
    write_exports(build_shop(ShopParams(customers=60, seed=11)), landing)
    # the uninterrupted run, in a warehouse and Dagster home of its own, while the others die
    clean_env, clean_log = _env(clean, landing), tmp_path / "clean.log"
    clean_run = _nightly(clean_env, clean_log)
    try:
        env = _env(killed, landing)
        for number, (moment, (step, delay)) in enumerate(KILL_POINTS.items()):
            log = tmp_path / f"killed_at_{moment}.log"
            _kill_at(env, log, step, delay)
            if number:
                assert "was found dead" in log.read_text(), moment
        _finish(env, tmp_path / "rerun.log")
        assert "was found dead" in (tmp_path / "rerun.log").read_text()
        _finish(clean_env, clean_log, clean_run)
    finally:
        if clean_run.poll() is None:  # a failure above: the clean run must not outlive the test
            os.killpg(clean_run.pid, signal.SIGKILL)
    assert _marts(killed / "warehouse.duckdb") == _marts(clean / "warehouse.duckdb")
    assert (killed / "warehouse_bi.duckdb").exists()
    assert not list(killed.glob(".warehouse_bi.duckdb.tmp*"))  # no half-written copy left
