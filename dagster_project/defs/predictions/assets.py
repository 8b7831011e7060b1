"""Customer-value predictions: Python assets that read marts and write prediction tables.

The fits run in numpy/scipy (predictions/), so they are Dagster assets rather than dbt Python
models, which dbt-postgres cannot run; the tables they write are declared as dbt sources.
"""

import base64

import dagster as dg
import pandas as pd

from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse
from predictions import customer_value, occasions, tables, validation

PURCHASE_DAYS = dg.AssetKey(["marts", "customer_purchase_days"])
MODELS_FITTED_CHECK = "clv_models_fitted"
PURCHASES_SQL = (
    "select customer_id, purchase_date, net_revenue_amount as value "
    "from marts.customer_purchase_days"
)


class CustomerValueConfig(dg.Config):
    """Business settings of the predictions, changeable per run in the launchpad."""

    # discount rate of the 12-month CLV, a year
    discount_rate_annual: float = customer_value.ValueSettings.discount_rate_annual
    # churn probability = P(no purchase in this many days)
    churn_horizon_days: int = customer_value.ValueSettings.churn_horizon_days
    # keeps fits on few customers finite (predictions.likelihood)
    fit_penalty: float = customer_value.ValueSettings.fit_penalty


class HoldoutConfig(dg.Config):
    holdout_days: int = 180  # the last days of history held out to test the model on
    fit_penalty: float = customer_value.ValueSettings.fit_penalty


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["marts", "clv_model_params"],
            deps=[PURCHASE_DAYS],
            kinds={"python", "scipy"},
            description="BG/NBD and Gamma-Gamma parameters fitted on all purchase days, one row per as-of day.",
        ),
        dg.AssetSpec(
            ["marts", "customer_predictions"],
            deps=[PURCHASE_DAYS],
            kinds={"python", "scipy"},
            description="Per customer: P(alive), expected purchases, expected order value, 12-month CLV, churn risk, next purchase date.",
        ),
    ],
    group_name="predictions",
    pool=WAREHOUSE_POOL,
    check_specs=[
        dg.AssetCheckSpec(
            MODELS_FITTED_CHECK,
            asset=["marts", "clv_model_params"],
            description=(
                "Both BG/NBD and Gamma-Gamma could be fitted. A shop with one month of history, "
                "no repeat buyer yet or no purchases gets NULL timing predictions or population-"
                "mean order values instead, and this warning says which and why."
            ),
        )
    ],
)
def customer_value_predictions(
    context: dg.AssetExecutionContext, config: CustomerValueConfig, warehouse: Warehouse
):
    as_of = warehouse.as_of(context)
    settings = customer_value.ValueSettings(
        discount_rate_annual=config.discount_rate_annual,
        churn_horizon_days=config.churn_horizon_days,
        fit_penalty=config.fit_penalty,
    )
    summary = occasions.summarise(warehouse.read_frame(PURCHASES_SQL), as_of)
    models = customer_value.fit_models(summary, settings.fit_penalty)
    context.log.info(f"fitted for {as_of}: {models}")
    predictions = customer_value.predict(summary, models, as_of, settings)
    params = customer_value.model_params(models, as_of)
    warehouse.write_table(tables.table("clv_model_params"), params)
    written = warehouse.write_table(tables.table("customer_predictions"), predictions)
    row = params.iloc[0]
    fitted = {
        name: float(row[column])
        for name, column in (
            ("r", "r"),
            ("alpha (days)", "alpha"),
            ("a", "a"),
            ("b", "b"),
            ("p", "p"),
            ("q", "q"),
            ("gamma", "gamma"),
            ("bgnbd_log_likelihood", "bgnbd_log_likelihood"),
            ("frequency_value_correlation", "frequency_value_correlation"),
        )
        if pd.notna(row[column])
    }
    yield dg.MaterializeResult(
        asset_key=["marts", "clv_model_params"],
        metadata={"fit_status": models.status, **fitted},
    )
    for note in models.notes:
        context.log.warning(note)
    bands = predictions["churn_risk_band"].value_counts().to_dict()
    yield dg.MaterializeResult(
        asset_key=["marts", "customer_predictions"],
        metadata={
            "dagster/row_count": written,
            "clv_12m_total": float(pd.to_numeric(predictions["clv_12m_amount"]).sum()),
            "expected_purchases_90d_total": float(
                pd.to_numeric(predictions["expected_purchases_90d"]).sum()
            ),
            "churn_risk_bands": dg.MetadataValue.json({k: int(v) for k, v in bands.items()}),
            "preview": dg.MetadataValue.md(predictions.head(5).to_markdown(index=False)),
        },
    )
    yield dg.AssetCheckResult(
        check_name=MODELS_FITTED_CHECK,
        asset_key=["marts", "clv_model_params"],
        passed=models.status == "fitted",
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"fit_status": models.status, "why": "; ".join(models.notes) or "both fitted"},
    )


@dg.asset(
    key=["marts", "clv_holdout_validation"],
    deps=[PURCHASE_DAYS],
    group_name="predictions",
    kinds={"python", "scipy"},
    pool=WAREHOUSE_POOL,
    description="BG/NBD fitted on a calibration period, predicted vs actual purchases in the holdout, with MAE and a chart.",
)
def clv_holdout_validation(
    context: dg.AssetExecutionContext, config: HoldoutConfig, warehouse: Warehouse
) -> dg.MaterializeResult:
    settings = warehouse.settings()
    result = validation.validate(
        warehouse.read_frame(PURCHASES_SQL),
        warehouse.as_of(context),
        config.holdout_days,
        config.fit_penalty,
    )
    warehouse.write_table(tables.table("clv_holdout_validation"), result.by_bucket)
    if not result.validated:
        context.log.warning(f"holdout validation skipped: {result.note}")
        return dg.MaterializeResult(
            metadata={
                "validation_status": "not_validated",
                "why": result.note,
                "calibration_end": str(result.calibration_end),
            }
        )
    png = validation.chart_png(result)
    chart_path = settings.warehouse.parent / "reports" / "clv_holdout_validation.png"
    chart_path.parent.mkdir(parents=True, exist_ok=True)
    chart_path.write_bytes(png)
    overall = result.overall
    image = base64.b64encode(png).decode("ascii")
    return dg.MaterializeResult(
        metadata={
            "calibration_end": str(result.calibration_end),
            "mean_absolute_error": float(overall["mean_absolute_error"]),
            "baseline_mean_absolute_error": float(overall["baseline_mean_absolute_error"]),
            "predicted_per_customer": float(overall["predicted_purchases_per_customer"]),
            "actual_per_customer": float(overall["actual_purchases_per_customer"]),
            "chart_file": dg.MetadataValue.path(str(chart_path)),
            "chart": dg.MetadataValue.md(f"![holdout validation](data:image/png;base64,{image})"),
            "by_bucket": dg.MetadataValue.md(result.by_bucket.to_markdown(index=False)),
        }
    )
