"""Shops the models cannot fit (one month of history, no repeat buyer, one customer, nothing at
all, buyers silent for years, a holdout longer than the history): the predictions write what
they can, say why, and never raise."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from predictions import bgnbd, customer_value, gamma_gamma, occasions, tables, validation

AS_OF = dt.date(2017, 5, 31)
SETTINGS = customer_value.ValueSettings()


def purchases(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "purchase_date", "value"])


def run(rows, as_of=AS_OF):
    summary = occasions.summarise(purchases(rows), as_of)
    models = customer_value.fit_models(summary, SETTINGS.fit_penalty)
    predicted = customer_value.predict(summary, models, as_of, SETTINGS)
    params = customer_value.model_params(models, as_of)
    # Both frames are what the writer accepts: every declared column, no other.
    tables.table("customer_predictions").conform(predicted)
    tables.table("clv_model_params").conform(params)
    return models, predicted, params.iloc[0]


def test_one_month_without_a_repeat_buyer_writes_population_means_and_null_timing():
    rows = [(f"c{n}", f"2017-05-{1 + n % 28:02d}", 50.0 + n) for n in range(30)]
    models, predicted, params = run(rows)
    assert models.status == "not_fitted"
    assert params["fit_status"] == "not_fitted"
    assert "no customer has a repeat purchase" in params["fit_note"]
    assert math.isnan(params["r"]) and params["bgnbd_customers"] is None
    expected_mean = np.mean([50.0 + n for n in range(30)])
    assert params["population_average_order_value_amount"] == round(expected_mean, 2)
    assert len(predicted) == 30
    assert (predicted["expected_average_order_value_amount"] == round(expected_mean, 2)).all()
    assert predicted["p_alive"].isna().all() and predicted["churn_risk_band"].isna().all()
    assert predicted["expected_next_purchase_date"].isna().all()


def test_one_repeat_buyer_fits_bgnbd_but_not_gamma_gamma():
    rows = [(f"c{n}", f"2017-0{1 + n % 4}-{1 + n % 28:02d}", 80.0) for n in range(40)]
    rows += [("c0", "2017-05-20", 120.0)]
    models, predicted, params = run(rows)
    assert models.status == "partial" and models.bgnbd is not None
    assert params["fit_status"] == "partial" and "Gamma-Gamma not fitted" in params["fit_note"]
    assert predicted["p_alive"].between(0, 1).all()
    assert predicted["expected_average_order_value_amount"].nunique() == 1


@pytest.mark.parametrize(
    "rows", [[], [("only", "2017-05-03", 99.0)], [("only", "2017-05-03", 99.0)] * 3]
)
def test_no_purchase_or_one_customer(rows):
    models, predicted, params = run(rows)
    assert models.status == "not_fitted"
    assert len(predicted) == len({r[0] for r in rows})
    assert params["fit_status"] == "not_fitted" and params["fit_note"]


def test_buyers_silent_for_years_get_no_impossible_date():
    """A fit with r + x near 0 made the median wait 3.6e10 days: pandas could not add it."""
    models = customer_value.FittedModels(
        bgnbd=bgnbd.BgNbdFit(bgnbd.BgNbdParams(r=1e-4, alpha=50.0, a=0.9, b=4.0), -1.0, 2, 0.0),
        gamma_gamma=gamma_gamma.GammaGammaFit(
            gamma_gamma.GammaGammaParams(p=3.0, q=5.0, gamma=300.0), -1.0, 2, 0.0
        ),
    )
    summary = pd.DataFrame(
        {
            "x": [0, 3],
            "t_x": [0.0, 60.0],
            "T": [1200.0, 1200.0],
            "mean_repeat_value": [np.nan, 150.0],
            "mean_value": [100.0, 140.0],
        },
        index=pd.Index(["silent", "regular_once"], name="customer_id"),
    )
    predicted = customer_value.predict(summary, models, dt.date(2026, 10, 31), SETTINGS)
    by_id = predicted.set_index("customer_id")
    assert by_id.loc["silent", "expected_next_purchase_date"] is None
    next_date = by_id.loc["regular_once", "expected_next_purchase_date"]
    assert next_date is not None and next_date > dt.date(2026, 10, 31)


def test_a_holdout_longer_than_the_history_is_not_validated_and_says_why():
    rows = [(f"c{n}", f"2017-05-{1 + n % 28:02d}", 50.0) for n in range(10)]
    result = validation.validate(purchases(rows), AS_OF, 180)
    assert not result.validated
    tables.table("clv_holdout_validation").conform(result.by_bucket)
    (row,) = result.by_bucket.to_dict("records")
    assert row["validation_status"] == "not_validated" and row["customers"] == 0
    assert "longer than the history (history starts 2017-05-01)" in row["validation_note"]


def test_a_calibration_without_repeat_buyers_is_not_validated():
    rows = [(f"c{n}", f"2017-0{1 + n % 3}-{1 + n % 28:02d}", 50.0) for n in range(20)]
    result = validation.validate(purchases(rows), AS_OF, 30)
    (row,) = result.by_bucket.to_dict("records")
    assert row["customers"] == 20 and "no customer has a repeat purchase" in row["validation_note"]


def test_the_predictions_suite_accepts_what_could_not_be_predicted_and_catches_what_is_wrong():
    """NULL timing (no fit, a next purchase beyond ten years) is no failure; a next purchase
    on or before the as-of day still is."""
    from expectations import customer_predictions
    from expectations.runner import validate

    _, unfitted, _ = run([(f"c{n}", f"2017-05-{1 + n % 28:02d}", 50.0) for n in range(5)])
    columns = [c.strip() for c in customer_predictions.COLUMNS.split(",")]
    suite = customer_predictions.SUITE_NAME
    assert validate(unfitted[columns], suite, customer_predictions.expectations()).success
    wrong = unfitted[columns].copy()
    wrong["expected_next_purchase_date"] = [AS_OF] + [None] * 4
    outcome = validate(wrong, suite, customer_predictions.expectations(), key="customer_id")
    assert [(o.column, o.examples) for o in outcome.failed] == [
        ("expected_next_purchase_date, as_of_date", ("c0",))
    ]
