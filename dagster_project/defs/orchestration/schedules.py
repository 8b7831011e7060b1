"""02:00 Beijing time: after the day's orders have settled, before the shop's morning review."""

import dagster as dg

from dagster_project.defs.orchestration.jobs import nightly_job

nightly_schedule = dg.ScheduleDefinition(
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
