"""Purchase occasions, per-customer predictions and the holdout validation, on data small enough
to check by hand."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from predictions import bgnbd, customer_value, gamma_gamma, occasions, validation

AS_OF = dt.date(2026, 10, 31)


def purchases(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "purchase_date", "value"])


def test_orders_on_one_day_are_one_occasion_and_ages_run_to_the_cutoff():
    summary = occasions.summarise(
        purchases(
            [
                ("ann", "2026-10-01", 100.0),
                ("ann", "2026-10-01", 50.0),  # a split basket: same occasion
                ("ann", "2026-10-11", 80.0),
                ("ann", "2026-10-21", 40.0),
                ("bob", "2026-10-30", 20.0),
                ("cat", "2026-11-02", 10.0),  # after the cutoff: not seen
            ]
        ),
        AS_OF,
    )
    assert list(summary.index) == ["ann", "bob"]
    ann, bob = summary.loc["ann"], summary.loc["bob"]
    assert (ann["x"], ann["t_x"], ann["T"]) == (2, 20.0, 30.0)
    assert ann["mean_repeat_value"] == 60.0  # (80 + 40) / 2: the first occasion is left out
    assert (bob["x"], bob["t_x"], bob["T"]) == (0, 0.0, 1.0)
    assert np.isnan(bob["mean_repeat_value"])
    holdout = occasions.occasions_between(
        purchases([("ann", "2026-10-31", 1.0), ("ann", "2026-11-01", 1.0)] * 2),
        dt.date(2026, 10, 31),
        dt.date(2026, 11, 30),
    )
    assert holdout.to_dict() == {"ann": 1}


PARAMS = customer_value.FittedModels(
    bgnbd=bgnbd.BgNbdFit(bgnbd.BgNbdParams(r=0.4, alpha=40.0, a=0.9, b=4.0), -1.0, 3, 1),
    gamma_gamma=gamma_gamma.GammaGammaFit(
        gamma_gamma.GammaGammaParams(p=3.0, q=5.0, gamma=300.0), -1.0, 2, 0.0
    ),
)


def hand_summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": [0, 0, 5, 5],
            "t_x": [0.0, 0.0, 200.0, 200.0],
            "T": [30.0, 900.0, 210.0, 600.0],
            "mean_repeat_value": [np.nan, np.nan, 150.0, 150.0],
        },
        index=pd.Index(["new", "old_once", "regular", "lapsed"], name="customer_id"),
    )


def test_clv_without_discount_is_a_years_purchases_times_value():
    summary = hand_summary()
    settings = customer_value.ValueSettings(discount_rate_annual=0.0)
    frame = customer_value.predict(summary, PARAMS, AS_OF, settings).set_index("customer_id")
    undiscounted = frame["expected_purchases_365d"] * frame["expected_average_order_value_amount"]
    assert np.allclose(
        frame["clv_12m_amount"], undiscounted, atol=0.01 * frame["clv_12m_amount"].max()
    )
    discounted = customer_value.predict(
        summary, PARAMS, AS_OF, customer_value.ValueSettings(discount_rate_annual=0.2)
    ).set_index("customer_id")
    assert (discounted["clv_12m_amount"] < frame["clv_12m_amount"]).all()


def test_predictions_rank_customers_the_way_an_operator_would():
    frame = customer_value.predict(
        hand_summary(), PARAMS, AS_OF, customer_value.ValueSettings()
    ).set_index("customer_id")
    # one-time buyers: P(alive) is 1 by the model, churn risk grows with time since the purchase
    assert frame.loc["new", "p_alive"] == 1.0 == frame.loc["old_once", "p_alive"]
    assert frame.loc["old_once", "churn_probability"] > frame.loc["new", "churn_probability"]
    # the regular buyer seen 10 days ago beats the one silent for 400 days on every measure
    assert frame.loc["regular", "p_alive"] > frame.loc["lapsed", "p_alive"]
    assert frame.loc["regular", "clv_12m_amount"] > frame.loc["lapsed", "clv_12m_amount"]
    assert frame.loc["regular", "churn_risk_band"] == "low"
    assert frame.loc["lapsed", "churn_risk_band"] in ("high", "very_high")
    assert (
        frame.loc["regular", "expected_next_purchase_date"]
        < (frame.loc["new", "expected_next_purchase_date"])
    )
    # spend: one-time buyers get the shop's mean pγ/(q−1) = 225; repeaters are pulled from 150
    # towards it, by how little five purchases say
    assert frame.loc["new", "expected_average_order_value_amount"] == pytest.approx(225.0)
    assert 150 < frame.loc["regular", "expected_average_order_value_amount"] < 225


def test_risk_bands_follow_the_configured_bounds():
    bands = customer_value.ValueSettings().churn_risk_bands
    assert list(customer_value.risk_band(np.array([0.0, 0.59, 0.6, 0.9, 0.95, 1.0]), bands)) == [
        "low",
        "low",
        "medium",
        "high",
        "very_high",
        "very_high",
    ]
    with pytest.raises(ValueError, match="highest bound down to 0.0"):
        customer_value.ValueSettings(churn_risk_bands=((0.5, "a"), (0.8, "b"), (0.0, "c")))


def test_holdout_validation_on_simulated_customers_beats_the_naive_baseline():
    rng = np.random.default_rng(11)
    truth = bgnbd.BgNbdParams(r=0.5, alpha=40.0, a=0.8, b=3.0)
    first = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 500, 3000), unit="D")
    T = (pd.Timestamp(AS_OF) - first).days.to_numpy().astype(float)
    rows = []
    for customer, (start, horizon) in enumerate(zip(first, T, strict=True)):
        # the purchase days of one customer, drawn from the model
        rate = rng.gamma(truth.r, 1 / truth.alpha)
        dropout = rng.beta(truth.a, truth.b)
        day, days = 0.0, [0.0]
        while True:
            day += rng.exponential(1 / rate)
            if day > horizon:
                break
            days.append(day)
            if rng.random() < dropout:
                break
        rows += [(f"c{customer}", start + pd.Timedelta(days=int(d)), 10.0) for d in days]
    result = validation.validate(purchases(rows), AS_OF, holdout_days=180)
    overall = result.overall
    assert overall["customers"] == sum(first <= pd.Timestamp(result.calibration_end))
    assert overall["mean_absolute_error"] < overall["baseline_mean_absolute_error"]
    assert overall["predicted_purchases_per_customer"] == pytest.approx(
        overall["actual_purchases_per_customer"], rel=0.2
    )
    assert list(result.by_bucket["calibration_repeat_purchases"])[:2] == ["all", "0"]
    assert validation.chart_png(result).startswith(b"\x89PNG")
