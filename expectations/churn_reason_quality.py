"""How well customer_churn_reasons names why customers left, against reasons planted in known
customers (the demo's ground truth, `churn_reasons.csv`: person_id, planted_churn_reason).

A planted person is the customer holding most of their identifiers (the same truth file the
identity check reads). Per reason R:
- recall: of the customers planted with R, the share the mart names R;
- precision: of the customers the mart names R, the share planted with R. Customers nobody
  planted a reason in count against it when named, though some of them may really have left
  over price or service: the demo's own discounts and refunds are evidence too. So precision
  is also given among planted customers only (the confusion between the planted reasons).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from expectations.identity_quality import truth_in_warehouse_form

REASONS = ("price_sensitive", "service_dissatisfied", "need_changed")


@dataclass(frozen=True)
class ReasonQuality:
    reason: str
    planted: int  # customers planted with the reason
    named: int  # customers the mart names with it
    named_and_planted: int
    named_among_planted: int  # named with it, among customers planted with any reason

    @property
    def recall(self) -> float:
        return self.named_and_planted / self.planted if self.planted else 0.0

    @property
    def precision(self) -> float:
        return self.named_and_planted / self.named if self.named else 0.0

    @property
    def precision_among_planted(self) -> float:
        return (
            self.named_and_planted / self.named_among_planted if self.named_among_planted else 0.0
        )


def reason_quality(named: pd.DataFrame, planted: pd.DataFrame) -> list[ReasonQuality]:
    """`named`: customer_id, churn_reason (the mart); `planted`: customer_id,
    planted_churn_reason. A planted customer the mart does not list counts as not named."""
    planted_ids = set(planted["customer_id"])
    result = []
    for reason in REASONS:
        named_ids = set(named.loc[named["churn_reason"] == reason, "customer_id"])
        planted_r = set(planted.loc[planted["planted_churn_reason"] == reason, "customer_id"])
        result.append(
            ReasonQuality(
                reason=reason,
                planted=len(planted_r),
                named=len(named_ids),
                named_and_planted=len(named_ids & planted_r),
                named_among_planted=len(named_ids & planted_ids),
            )
        )
    return result


def planted_customers(
    con: duckdb.DuckDBPyConnection, truth_folder: Path, pii_key: bytes
) -> pd.DataFrame:
    """customer_id, planted_churn_reason: each planted person's customer, the one holding most
    of their identifiers (ties: the smallest id)."""
    planted = pd.read_csv(truth_folder / "churn_reasons.csv", dtype={"person_id": int})
    identities = truth_in_warehouse_form(
        pd.read_csv(truth_folder / "identities.csv", dtype=str), pii_key
    )
    identities = identities[identities["person_id"].isin(planted["person_id"])]
    resolved = con.sql(
        "select identifier_type, identifier_value, customer_id"
        " from intermediate.int_identifiers_grouped_into_customers"
    ).df()
    held = identities.merge(resolved, on=["identifier_type", "identifier_value"])
    counts = held.groupby(["person_id", "customer_id"]).size().reset_index(name="held")
    counts = counts.sort_values(["person_id", "held", "customer_id"], ascending=[True, False, True])
    best = counts.drop_duplicates("person_id")[["person_id", "customer_id"]]
    return best.merge(planted, on="person_id")[["customer_id", "planted_churn_reason"]]
