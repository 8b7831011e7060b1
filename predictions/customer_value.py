"""Per-customer predictions from fitted BG/NBD and Gamma-Gamma models, in days.

Definitions (each chosen where the issue left room; DECISIONLOG.md has the reasons):
- 12-month CLV: expected purchases in each of the next 12 months (of 365/12 days) × expected spend
  per purchase, each month discounted at the monthly equivalent of an annual rate.
- Churn probability: P(no purchase in the next `churn_horizon_days`) = P(dead) + P(alive) ·
  ((α+T)/(α+T+h))^(r+x). Unlike P(alive), which BG/NBD fixes at 1 for anyone who never bought
  twice, it rises with the time since a one-time buyer's purchase too.
- Expected next purchase date: the median wait for a customer still alive (bgnbd module).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from predictions import bgnbd, gamma_gamma
from predictions.likelihood import FitError

DAYS_PER_MONTH = 365.0 / 12


@dataclass(frozen=True)
class ValueSettings:
    discount_rate_annual: float = 0.10
    churn_horizon_days: int = 180
    # keeps fits on a handful of customers finite (predictions.likelihood); on the demo's
    # 6,000 customers it moves no parameter by 0.1%
    fit_penalty: float = 0.01
    # (lowest churn probability, band), highest first: the first band whose bound is reached
    churn_risk_bands: tuple[tuple[float, str], ...] = (
        (0.95, "very_high"),
        (0.85, "high"),
        (0.6, "medium"),
        (0.0, "low"),
    )

    def __post_init__(self) -> None:
        if not 0 <= self.discount_rate_annual < 1:
            raise ValueError("discount_rate_annual must be in [0, 1), e.g. 0.10 for 10% a year")
        if self.churn_horizon_days <= 0:
            raise ValueError("churn_horizon_days must be positive")
        bounds = [bound for bound, _ in self.churn_risk_bands]
        if bounds != sorted(bounds, reverse=True) or bounds[-1] != 0.0:
            raise ValueError("churn_risk_bands must run from the highest bound down to 0.0")


# A next purchase expected further off than this is no date anyone can plan for (after three
# silent years the median wait overflowed pandas' dates): it is left NULL.
MAX_NEXT_PURCHASE_DAYS = 3650


@dataclass(frozen=True)
class FittedModels:
    """The fits that could be made. A shop with one month of history or no repeat buyer yet
    cannot fit BG/NBD; with fewer than two repeat spenders Gamma-Gamma cannot fit. What is
    missing is None, `notes` say why, and predictions fall back (see `predict`)."""

    bgnbd: bgnbd.BgNbdFit | None
    gamma_gamma: gamma_gamma.GammaGammaFit | None
    # Mean spend per purchase day over every customer: the expected order value when
    # Gamma-Gamma is not fitted (None with no purchase at all).
    population_mean_value: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        fitted = (self.bgnbd is not None) + (self.gamma_gamma is not None)
        return ("not_fitted", "partial", "fitted")[fitted]


def fit_models(summary: pd.DataFrame, penalty: float = 0.0) -> FittedModels:
    """Both models on one summary (occasions.summarise), each as far as the data allow.
    Gamma-Gamma is fitted on repeat customers whose repeat purchases have a positive mean
    (fully refunded ones carry no spend)."""
    notes = []
    try:
        frequency = bgnbd.fit(summary["x"], summary["t_x"], summary["T"], penalty)
    except FitError as exc:
        frequency = None
        notes.append(f"BG/NBD not fitted: {exc}")
    spenders = summary[(summary["x"] > 0) & (summary["mean_repeat_value"] > 0)]
    try:
        spend = gamma_gamma.fit(spenders["x"], spenders["mean_repeat_value"], penalty)
    except FitError as exc:
        spend = None
        notes.append(f"Gamma-Gamma not fitted ({exc}): expected order value is the population mean")
    weights = summary["x"].to_numpy(dtype=float) + 1
    values = summary["mean_value"].to_numpy(dtype=float)
    population = float(np.average(values, weights=weights)) if len(summary) else None
    return FittedModels(frequency, spend, population, tuple(notes))


def model_params(models: FittedModels, as_of: dt.date) -> pd.DataFrame:
    """One row, as marts.clv_model_params; a model that could not be fitted has NULL
    parameters and fit_status / fit_note say why."""
    frequency, spend = models.bgnbd, models.gamma_gamma
    nan = float("nan")
    bgnbd_values = dict.fromkeys(
        ("r", "alpha", "a", "b", "bgnbd_log_likelihood", "fit_penalty"), nan
    ) | {"bgnbd_customers": None}
    if frequency is not None:
        fp = frequency.params
        bgnbd_values = {
            "r": fp.r,
            "alpha": fp.alpha,
            "a": fp.a,
            "b": fp.b,
            "bgnbd_log_likelihood": frequency.log_likelihood,
            "bgnbd_customers": frequency.customers,
            "fit_penalty": frequency.penalty,
        }
    spend_values = dict.fromkeys(
        ("p", "q", "gamma", "gamma_gamma_log_likelihood", "frequency_value_correlation"), nan
    ) | {"gamma_gamma_customers": None}
    population = models.population_mean_value
    if spend is not None:
        sp = spend.params
        population = sp.population_mean_value
        spend_values = {
            "p": sp.p,
            "q": sp.q,
            "gamma": sp.gamma,
            "gamma_gamma_log_likelihood": spend.log_likelihood,
            "gamma_gamma_customers": spend.customers,
            "frequency_value_correlation": spend.frequency_value_correlation,
        }
    return pd.DataFrame(
        [
            {
                "calibration_end_date": as_of,
                "time_unit": "day",
                **bgnbd_values,
                **spend_values,
                "population_average_order_value_amount": (
                    round(population, 2) if population is not None else None
                ),
                "fit_status": models.status,
                "fit_note": "; ".join(models.notes) or None,
                "as_of_date": as_of,
            }
        ]
    )


def churn_probability(
    params: bgnbd.BgNbdParams, horizon: float, x, T, p_alive: np.ndarray
) -> np.ndarray:
    x, T = (np.asarray(v, dtype=float) for v in (x, T))
    silent_if_alive = np.exp(
        (params.r + x) * (np.log(params.alpha + T) - np.log(params.alpha + T + horizon))
    )
    return (1.0 - p_alive) + p_alive * silent_if_alive


def discounted_clv(
    params: bgnbd.BgNbdParams, value: np.ndarray, x, t_x, T, annual_rate: float, months: int = 12
) -> np.ndarray:
    monthly_rate = (1.0 + annual_rate) ** (1.0 / 12) - 1.0
    total = np.zeros(len(np.asarray(x)))
    previous = np.zeros_like(total)
    for month in range(1, months + 1):
        cumulative = bgnbd.expected_purchases(params, month * DAYS_PER_MONTH, x, t_x, T)
        total += (cumulative - previous) / (1.0 + monthly_rate) ** month
        previous = cumulative
    return total * value


def risk_band(probability: np.ndarray, bands: tuple[tuple[float, str], ...]) -> np.ndarray:
    result = np.full(len(probability), bands[-1][1], dtype=object)
    for bound, name in reversed(bands):
        result[probability >= bound] = name
    return result


def predict(
    summary: pd.DataFrame, models: FittedModels, as_of: dt.date, settings: ValueSettings
) -> pd.DataFrame:
    """One row per customer of `summary` (index customer_id), columns as marts.customer_predictions."""
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    mean_value = summary["mean_repeat_value"].to_numpy(dtype=float)
    if models.gamma_gamma is not None:
        # A repeat buyer whose repeat purchases were all refunded tells nothing about spend.
        spend_x = np.where(mean_value > 0, x, 0.0)
        value = gamma_gamma.expected_mean_value(models.gamma_gamma.params, spend_x, mean_value)
    else:
        population = models.population_mean_value
        value = np.full(len(x), np.nan if population is None else population)
    frame = pd.DataFrame(
        {
            "customer_id": summary.index.to_numpy(),
            "repeat_purchase_count": x.astype(np.int64),
            "recency_days": t_x.astype(np.int64),
            "customer_age_days": T.astype(np.int64),
            "expected_average_order_value_amount": np.round(value, 2),
            "as_of_date": as_of,
        }
    )
    if models.bgnbd is None:  # nothing about timing can be said: NULL, fit_note says why
        for column in (*_TIMING_COLUMNS, "churn_risk_band", "expected_next_purchase_date"):
            frame[column] = None
    else:
        params = models.bgnbd.params
        p_alive = bgnbd.probability_alive(params, x, t_x, T)
        churn = churn_probability(params, settings.churn_horizon_days, x, T, p_alive)
        wait = np.ceil(np.maximum(bgnbd.median_time_to_next_purchase(params, x, T), 1.0))
        plannable = np.isfinite(wait) & (wait <= MAX_NEXT_PURCHASE_DAYS)
        next_date = pd.Timestamp(as_of) + pd.to_timedelta(np.where(plannable, wait, 0), unit="D")
        frame["p_alive"] = p_alive
        frame["expected_purchases_30d"] = bgnbd.expected_purchases(params, 30, x, t_x, T)
        frame["expected_purchases_90d"] = bgnbd.expected_purchases(params, 90, x, t_x, T)
        frame["expected_purchases_365d"] = bgnbd.expected_purchases(params, 365, x, t_x, T)
        frame["clv_12m_amount"] = np.round(
            discounted_clv(params, value, x, t_x, T, settings.discount_rate_annual), 2
        )
        frame["churn_probability"] = churn
        frame["churn_risk_band"] = risk_band(churn, settings.churn_risk_bands)
        frame["expected_next_purchase_date"] = np.where(plannable, next_date.date, None)
    return frame.sort_values("customer_id", kind="stable").reset_index(drop=True)


_TIMING_COLUMNS = (
    "p_alive",
    "expected_purchases_30d",
    "expected_purchases_90d",
    "expected_purchases_365d",
    "clv_12m_amount",
    "churn_probability",
)
