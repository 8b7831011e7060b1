"""The as-of day of a run is a daily partition of the nightly assets.

A partition is one Beijing day: the state of the shop's customers as of that day's end. The
02:00 schedule builds the day that has just ended, a landing-sensor run during the day builds
today so far, and a backfill of a range of days from the UI rebuilds those days, one run per
day, oldest first (the instance runs one Fugou run at a time: dagster.yaml), so each day's
history rows (segment snapshots, audiences, contact history) see the days before it.
"""

import datetime as dt

import dagster as dg

from ingestion.settings import SHOP_TZ

# Today is a partition too (end_offset=1): a run during the day describes today so far. The first
# day is early enough for any shop's back catalogue of exports (tests load 2017's).
NIGHTS = dg.DailyPartitionsDefinition(
    start_date="2010-01-01",
    timezone=str(SHOP_TZ),
    end_offset=1,
    fmt="%Y-%m-%d",
)

# dagster-dbt would build a backfill's days in one run (dbt cannot: its models take one as-of
# day); every nightly asset says one day per run, so a backfill is one run per day.
ONE_DAY_PER_RUN = dg.BackfillPolicy.multi_run(max_partitions_per_run=1)

PARTITION_TAG = "dagster/partition"


def partition_day(run: dg.DagsterRun) -> dt.date | None:
    """The as-of day a run was launched for, or None for a run of no partition."""
    key = run.tags.get(PARTITION_TAG)
    return dt.date.fromisoformat(key) if key else None
