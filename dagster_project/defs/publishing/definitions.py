import dagster as dg

from dagster_project.defs.publishing.assets import bi_marts, text_safe_for_spreadsheets

defs = dg.Definitions(assets=[bi_marts], asset_checks=[text_safe_for_spreadsheets])
