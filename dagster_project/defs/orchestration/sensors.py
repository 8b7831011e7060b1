"""Start the pipeline when exports land, without waiting for the night.

The sensor never opens the warehouse (a running job holds DuckDB's single writer lock): it
compares the landing folder's listing (names, sizes, modification times) with the last one that
started a run, and asks for a run only once a changed listing has held still for one tick, so a
file still being copied is not loaded half-written. On its first tick it takes what is already
there as the baseline: the nightly run loads that, and the loader's ledger skips what is loaded.
Its run builds today (the partition of the Beijing day it starts on) with what has landed so far.
"""

import hashlib
import json

import dagster as dg

from dagster_project.defs.orchestration.jobs import nightly_job
from ingestion.loader import landed_files
from ingestion.settings import landing_dir, today_in_shop_tz


def landing_fingerprint() -> tuple[str, int]:
    folder = landing_dir()
    if not folder.is_dir():
        return "", 0
    files = landed_files(folder)
    listing = [
        (p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in files
    ]
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest(), len(files)


@dg.sensor(
    job=nightly_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs the pipeline once new or changed files in the landing folder have settled.",
)
def landing_folder_sensor(context: dg.SensorEvaluationContext):
    state = json.loads(context.cursor) if context.cursor else None
    current, count = landing_fingerprint()
    if state is None:
        context.update_cursor(json.dumps({"started": current, "pending": None}))
        return dg.SkipReason(f"baseline taken: {count} files already landed")
    if current == state["started"]:
        return dg.SkipReason("no new files")
    if current != state["pending"]:
        context.update_cursor(json.dumps({"started": state["started"], "pending": current}))
        return dg.SkipReason("new files seen; waiting one tick for them to finish copying")
    context.update_cursor(json.dumps({"started": current, "pending": None}))
    return dg.RunRequest(
        run_key=current,
        partition_key=today_in_shop_tz().isoformat(),
        tags={"fugou/trigger": "landing_folder"},
    )
