import dagster as dg

from dagster_project.defs.predictions.assets import (
    clv_holdout_validation,
    cross_sell_recommendations,
    customer_value_predictions,
)
from dagster_project.defs.predictions.checks import (
    clv_holdout_beats_naive_baseline,
    customer_predictions_expectations,
)

defs = dg.Definitions(
    assets=[customer_value_predictions, clv_holdout_validation, cross_sell_recommendations],
    asset_checks=[customer_predictions_expectations, clv_holdout_beats_naive_baseline],
)
