import dagster as dg

from dagster_project.defs.orchestration.jobs import nightly_job
from dagster_project.defs.orchestration.schedules import nightly_schedule

defs = dg.Definitions(jobs=[nightly_job], schedules=[nightly_schedule])
