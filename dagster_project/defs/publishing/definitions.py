import dagster as dg

from dagster_project.defs.publishing.assets import bi_marts, dashboard, text_safe_for_spreadsheets

defs = dg.Definitions(assets=[bi_marts, dashboard], asset_checks=[text_safe_for_spreadsheets])
