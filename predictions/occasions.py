"""Purchase histories summarised the way BG/NBD and Gamma-Gamma read them.

A purchase occasion is a customer's purchase day: several orders on one day are one occasion
(Taobao buyers split a basket into several orders, and CDNOW's data has same-day records too).
For each customer, as of a cut-off date:
- x: repeat occasions (occasions after the first), t_x: first → last occasion, T: first occasion
  → cut-off, both in the chosen time unit (days for shops, weeks for CDNOW);
- mean_repeat_value: the mean spend of the repeat occasions, as Gamma-Gamma wants (the first
  purchase is left out, as in Fader, Hardie & Lee: it is often unlike the later ones);
  mean_value: the mean spend of all occasions.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

SUMMARY_COLUMNS = [
    "x",
    "t_x",
    "T",
    "mean_repeat_value",
    "mean_value",
    "first_purchase_date",
    "last_purchase_date",
]


def purchase_days(purchases: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and day: (customer_id, purchase_date, value), value summed."""
    missing = {"customer_id", "purchase_date", "value"} - set(purchases.columns)
    if missing:
        raise ValueError(f"purchases lack column(s) {sorted(missing)}")
    frame = purchases[["customer_id", "purchase_date", "value"]].copy()
    frame["purchase_date"] = pd.to_datetime(frame["purchase_date"]).dt.normalize()
    frame["value"] = frame["value"].astype(float)
    return frame.groupby(["customer_id", "purchase_date"], as_index=False, sort=True)["value"].sum()


def summarise(
    purchases: pd.DataFrame, cutoff: dt.date, time_unit_days: float = 1.0
) -> pd.DataFrame:
    """(x, t_x, T, mean repeat value) per customer who bought on or before `cutoff`.

    T runs to the start of the cut-off day, so a customer whose first purchase is on the
    cut-off day has T = 0 (such customers carry no information and are kept only so that every
    buyer gets a prediction).
    """
    days = purchase_days(purchases)
    cutoff_ts = pd.Timestamp(cutoff)
    days = days[days["purchase_date"] <= cutoff_ts]
    if days.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS, index=pd.Index([], name="customer_id"))
    grouped = days.groupby("customer_id", sort=True)
    first = grouped["purchase_date"].min()
    last = grouped["purchase_date"].max()
    occasions = grouped.size()
    total = grouped["value"].sum()
    first_value = days.loc[grouped["purchase_date"].idxmin(), ["customer_id", "value"]]
    first_value = first_value.set_index("customer_id")["value"]
    x = occasions - 1
    unit = pd.Timedelta(days=1) * time_unit_days
    summary = pd.DataFrame(
        {
            "x": x.astype(np.int64),
            "t_x": (last - first) / unit,
            "T": (cutoff_ts - first) / unit,
            "mean_repeat_value": ((total - first_value) / x).where(x > 0),
            "mean_value": total / occasions,  # every occasion: the fallback when GG cannot fit
            "first_purchase_date": first.dt.date,
            "last_purchase_date": last.dt.date,
        }
    )
    summary.index.name = "customer_id"
    return summary


def occasions_between(purchases: pd.DataFrame, start_after: dt.date, end_on: dt.date) -> pd.Series:
    """Purchase occasions per customer in (start_after, end_on]: the holdout's actuals."""
    days = purchase_days(purchases)
    in_window = (days["purchase_date"] > pd.Timestamp(start_after)) & (
        days["purchase_date"] <= pd.Timestamp(end_on)
    )
    return days[in_window].groupby("customer_id").size().rename("occasions")
