import dagster as dg

from dagster_project.defs.orchestration.executor import fugou_in_process_executor
from dagster_project.defs.orchestration.jobs import nightly_job
from dagster_project.defs.orchestration.schedules import nightly_schedule
from dagster_project.defs.orchestration.sensors import landing_folder_sensor

# The executor is also every ad hoc run's (Materialize in the UI): each frees dead runs' slots.
defs = dg.Definitions(
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[landing_folder_sensor],
    executor=fugou_in_process_executor,
)
