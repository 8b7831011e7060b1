"""The executor of every Fugou run: Dagster's in-process one, after releasing dead runs.

A run killed outright (SIGKILL, the machine's OOM killer, a power cut) never reports its end:
it stays STARTED and keeps its slot of the `duckdb_warehouse` pool, so every later run waits
forever on "Step blocked by limit for pool duckdb_warehouse". Dagster's run monitoring would
catch it, but only inside the daemon that `dagster dev` runs, never for `dagster job execute`.
So each run, before any step claims a slot, looks for runs of this instance that are STARTED
but whose process (the pid of their RUN_START event) is gone on this machine, marks them
failed and frees their slots. This assumes the instance's runs all run on this machine, as
they do with Fugou's DuckDB warehouse (one machine's file).
"""

from __future__ import annotations

import logging
import os

import dagster as dg
from dagster._core.definitions.executor_definition import _core_in_process_executor_creation
from dagster._core.events import DagsterEventType

log = logging.getLogger(__name__)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _run_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    records = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.RUN_START, limit=1
    ).records
    if not records or records[0].event_log_entry.dagster_event is None:
        return None
    return records[0].event_log_entry.dagster_event.pid


def release_dead_runs(instance: dg.DagsterInstance, current_pid: int | None = None) -> list[str]:
    """Mark STARTED runs whose process is gone as failed and free their pool slots; returns
    their ids."""
    current_pid = os.getpid() if current_pid is None else current_pid
    released = []
    started = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    for run in started:
        pid = _run_pid(instance, run.run_id)
        if pid is None or pid == current_pid or _process_alive(pid):
            continue
        message = (
            f"Run {run.run_id} was found dead (its process {pid} is gone: killed?); Fugou "
            "marked it failed and freed its slots in the duckdb_warehouse pool."
        )
        instance.report_run_failed(run, message)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        log.warning(message)
        released.append(run.run_id)
    return released


@dg.executor(name="in_process", config_schema=dg.in_process_executor.config_schema)
def fugou_in_process_executor(init_context: dg.InitExecutorContext):
    """in_process_executor, run after releasing the slots of dead runs."""
    release_dead_runs(init_context.instance)
    return _core_in_process_executor_creation(init_context.executor_config)
