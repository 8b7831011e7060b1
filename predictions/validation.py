"""Calibration/holdout validation of BG/NBD on the shop's own purchases.

As in Fader, Hardie & Lee (2005, figure 4): fit on the purchases up to a calibration end, predict
each customer's repeat purchases in the holdout that follows, and compare with what they did,
grouped by the number of repeat purchases in calibration. The naive baseline (each customer keeps
buying at their calibration rate x/T) shows what the model adds.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from predictions import bgnbd, occasions

TOP_BUCKET = 7  # customers with 7 or more calibration repeat purchases share the last bucket


@dataclass(frozen=True)
class HoldoutValidation:
    fit: bgnbd.BgNbdFit | None  # None: the history cannot hold this holdout (see `note`)
    calibration_end: dt.date
    holdout_days: int
    by_bucket: pd.DataFrame  # columns as marts.clv_holdout_validation
    note: str | None = None

    @property
    def validated(self) -> bool:
        return self.fit is not None

    @property
    def overall(self) -> pd.Series:
        return self.by_bucket.loc[self.by_bucket["calibration_repeat_purchases"] == "all"].iloc[0]


def validate(
    purchases: pd.DataFrame, as_of: dt.date, holdout_days: int, penalty: float = 0.0
) -> HoldoutValidation:
    if holdout_days <= 0:
        raise ValueError("holdout_days must be positive")
    calibration_end = as_of - dt.timedelta(days=holdout_days)
    calibration = occasions.summarise(purchases, calibration_end)
    if calibration.empty:
        days = occasions.purchase_days(purchases)["purchase_date"]
        since = f"history starts {days.min().date()}" if len(days) else "no purchases yet"
        return _not_validated(
            as_of,
            calibration_end,
            holdout_days,
            0,
            f"the {holdout_days}-day holdout is longer than the history ({since}): no purchase "
            f"on or before the calibration end {calibration_end}",
        )
    try:
        fit = bgnbd.fit(calibration["x"], calibration["t_x"], calibration["T"], penalty)
    except bgnbd.FitError as exc:
        return _not_validated(
            as_of, calibration_end, holdout_days, len(calibration), f"BG/NBD not fitted: {exc}"
        )
    x, t_x, T = (calibration[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    actual = (
        occasions.occasions_between(purchases, calibration_end, as_of)
        .reindex(calibration.index, fill_value=0)
        .to_numpy(dtype=float)
    )
    customers = pd.DataFrame(
        {
            "bucket": np.minimum(x, TOP_BUCKET).astype(int),
            "predicted": bgnbd.expected_purchases(fit.params, holdout_days, x, t_x, T),
            "actual": actual,
            "baseline": np.where(T > 0, x / np.where(T > 0, T, 1.0) * holdout_days, 0.0),
        }
    )
    customers["error"] = (customers["predicted"] - customers["actual"]).abs()
    customers["baseline_error"] = (customers["baseline"] - customers["actual"]).abs()
    rows = [_bucket_row(0, "all", customers)]
    for bucket, group in customers.groupby("bucket", sort=True):
        label = f"{TOP_BUCKET}+" if bucket == TOP_BUCKET else str(bucket)
        rows.append(_bucket_row(int(bucket) + 1, label, group))
    by_bucket = _finish(pd.DataFrame(rows), as_of, calibration_end, holdout_days, None)
    return HoldoutValidation(fit, calibration_end, holdout_days, by_bucket)


def _not_validated(as_of, calibration_end, holdout_days, customers, note) -> HoldoutValidation:
    """The 'all' row alone, with the customers counted and no errors: the night goes on."""
    nan = float("nan")
    row = {
        "bucket_number": 0,
        "calibration_repeat_purchases": "all",
        "customers": customers,
        "predicted_purchases_per_customer": nan,
        "actual_purchases_per_customer": nan,
        "mean_absolute_error": nan,
        "baseline_mean_absolute_error": nan,
    }
    by_bucket = _finish(pd.DataFrame([row]), as_of, calibration_end, holdout_days, note)
    return HoldoutValidation(None, calibration_end, holdout_days, by_bucket, note)


def _finish(by_bucket, as_of, calibration_end, holdout_days, note) -> pd.DataFrame:
    by_bucket["calibration_end_date"] = calibration_end
    by_bucket["holdout_days"] = holdout_days
    by_bucket["validation_status"] = "validated" if note is None else "not_validated"
    by_bucket["validation_note"] = note
    by_bucket["as_of_date"] = as_of
    return by_bucket


def _bucket_row(number: int, label: str, group: pd.DataFrame) -> dict:
    return {
        "bucket_number": number,
        "calibration_repeat_purchases": label,
        "customers": len(group),
        "predicted_purchases_per_customer": float(group["predicted"].mean()),
        "actual_purchases_per_customer": float(group["actual"].mean()),
        "mean_absolute_error": float(group["error"].mean()),
        "baseline_mean_absolute_error": float(group["baseline_error"].mean()),
    }


def chart_png(validation: HoldoutValidation) -> bytes:
    """Predicted and actual holdout purchases per customer by calibration repeat purchases."""
    rows = validation.by_bucket[validation.by_bucket["bucket_number"] > 0]
    # A bare Figure renders with the Agg canvas: no display and no pyplot state to clean up.
    # Imported here: matplotlib costs every process that loads the definitions a second.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4), dpi=100)
    ax = fig.subplots()
    labels = rows["calibration_repeat_purchases"]
    ax.plot(labels, rows["actual_purchases_per_customer"], "o-", label="actual")
    ax.plot(labels, rows["predicted_purchases_per_customer"], "s--", label="BG/NBD")
    ax.set_xlabel("repeat purchase days in calibration")
    ax.set_ylabel(f"purchase days per customer in the {validation.holdout_days}-day holdout")
    overall = validation.overall
    ax.set_title(
        f"Holdout after {validation.calibration_end}: MAE {overall['mean_absolute_error']:.3f} "
        f"(baseline {overall['baseline_mean_absolute_error']:.3f})"
    )
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
