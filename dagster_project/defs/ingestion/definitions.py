import dagster as dg

from dagster_project.defs.ingestion.assets import raw_tables, top_api_increments
from dagster_project.defs.ingestion.checks import (
    every_row_accounted_for,
    no_failed_files,
    no_unreadable_fields,
    quarantine_is_empty,
)

defs = dg.Definitions(
    assets=[top_api_increments, raw_tables],
    asset_checks=[
        every_row_accounted_for,
        quarantine_is_empty,
        no_unreadable_fields,
        no_failed_files,
    ],
)
