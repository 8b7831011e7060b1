"""The nightly job: every asset, in one process.

On two cores the default multiprocess executor re-imports Dagster and dbt for every step (about
3 s each) and would only queue behind the single DuckDB writer anyway.
"""

import dagster as dg

nightly_job = dg.define_asset_job(
    name="nightly",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Load new exports, rebuild staging → marts, run every check.",
)
