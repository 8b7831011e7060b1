"""Checks on the prediction tables: a GX suite on the per-customer predictions, and the holdout
validation compared with its naive baseline."""

import dagster as dg
import pandas as pd

from dagster_project.defs.shared.suite_results import suite_check_result
from dagster_project.defs.shared.warehouse import Warehouse
from expectations import customer_predictions
from expectations.runner import validate


@dg.asset_check(
    asset=dg.AssetKey(["marts", "customer_predictions"]),
    description="GX suite customer_predictions: probabilities in [0, 1], expectations growing "
    "with the horizon, no negative money, known bands, next purchase after the as-of day.",
)
def customer_predictions_expectations(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    frame = warehouse.read_frame(
        f"select {customer_predictions.COLUMNS} from marts.customer_predictions"
    )
    outcome = validate(
        frame,
        customer_predictions.SUITE_NAME,
        customer_predictions.expectations(),
        key="customer_id",
    )
    return suite_check_result(outcome, len(frame), context.log)


@dg.asset_check(
    asset=dg.AssetKey(["marts", "clv_holdout_validation"]),
    description="BG/NBD's holdout error is no worse than assuming every customer keeps buying at "
    "their calibration rate (a warning: the shop's data may not follow the model).",
)
def clv_holdout_beats_naive_baseline(warehouse: Warehouse) -> dg.AssetCheckResult:
    frame = warehouse.read_frame(
        "select mean_absolute_error, baseline_mean_absolute_error, customers, validation_note "
        "from marts.clv_holdout_validation where calibration_repeat_purchases = 'all'"
    )
    row = frame.iloc[0]
    if pd.notna(row["validation_note"]):  # the history could not hold the holdout
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"not_validated": str(row["validation_note"])},
        )
    mae, baseline = float(row["mean_absolute_error"]), float(row["baseline_mean_absolute_error"])
    return dg.AssetCheckResult(
        passed=mae <= baseline,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "mean_absolute_error": mae,
            "baseline_mean_absolute_error": baseline,
            "customers": int(row["customers"]),
        },
    )
