import dagster as dg

from dagster_project.defs.predictions.assets import (
    clv_holdout_validation,
    customer_value_predictions,
)

defs = dg.Definitions(assets=[customer_value_predictions, clv_holdout_validation])
