"""02:00 Beijing time: after the day's orders have settled, before the shop's morning review.

The run builds the day that has just ended (its partition), so tonight's actions, which go out
the morning after the as-of day, go out this morning."""

import datetime as dt

import dagster as dg

from dagster_project.defs.orchestration.jobs import nightly_job
from ingestion.settings import SHOP_TZ


@dg.schedule(
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone=str(SHOP_TZ),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:00 Beijing time: the day that has just ended.",
)
def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=None, partition_key=day_ended(context.scheduled_execution_time).isoformat()
    )


def day_ended(tick: dt.datetime) -> dt.date:
    """The Beijing day before the tick's."""
    return tick.astimezone(SHOP_TZ).date() - dt.timedelta(days=1)
