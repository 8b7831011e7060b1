import dagster as dg

from dagster_project.defs.quality.checks import (
    churn_reasons_against_planted_truth,
    dim_customers_expectations,
    identity_resolution_quality,
    raw_taobao_orders_expectations,
)

defs = dg.Definitions(
    asset_checks=[
        raw_taobao_orders_expectations,
        dim_customers_expectations,
        identity_resolution_quality,
        churn_reasons_against_planted_truth,
    ]
)
