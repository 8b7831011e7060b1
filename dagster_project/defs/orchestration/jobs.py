"""The nightly job: every asset, in one process.

On two cores the default multiprocess executor re-imports Dagster and dbt for every step (about
3 s each) and would only queue behind the single DuckDB writer anyway.
"""

import dagster as dg

from dagster_project.defs.orchestration.executor import fugou_in_process_executor

nightly_job = dg.define_asset_job(
    name="nightly",
    selection=dg.AssetSelection.all(),
    executor_def=fugou_in_process_executor,
    description="Load new exports, rebuild staging → marts, run every check.",
)
