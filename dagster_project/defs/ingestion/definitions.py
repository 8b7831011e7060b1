import dagster as dg

from dagster_project.defs.ingestion.assets import raw_tables
from dagster_project.defs.ingestion.checks import every_row_accounted_for, quarantine_is_empty

defs = dg.Definitions(
    assets=[raw_tables],
    asset_checks=[every_row_accounted_for, quarantine_is_empty],
)
