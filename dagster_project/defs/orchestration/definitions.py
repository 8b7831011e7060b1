import dagster as dg

from dagster_project.defs.orchestration.jobs import nightly_job
from dagster_project.defs.orchestration.schedules import nightly_schedule
from dagster_project.defs.orchestration.sensors import landing_folder_sensor

defs = dg.Definitions(
    jobs=[nightly_job], schedules=[nightly_schedule], sensors=[landing_folder_sensor]
)
