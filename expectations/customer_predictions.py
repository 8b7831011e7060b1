"""What the per-customer predictions must satisfy before campaigns read them: probabilities are
probabilities, expectations grow with the horizon, money is not negative, bands are known."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # GX takes 3 s to import: only a check that runs pays it
    import great_expectations as gx


COLUMNS = (
    "customer_id, p_alive, churn_probability, expected_purchases_30d, expected_purchases_90d, "
    "expected_purchases_365d, expected_average_order_value_amount, clv_12m_amount, "
    "churn_risk_band, expected_next_purchase_date, as_of_date"
)

SUITE_NAME = "customer_predictions"
CHURN_RISK_BANDS = ["low", "medium", "high", "very_high"]


def expectations() -> list[gx.expectations.Expectation]:
    import great_expectations as gx

    found: list[gx.expectations.Expectation] = [
        gx.expectations.ExpectColumnValuesToBeUnique(column="customer_id"),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="customer_id"),
    ]
    for column in ("p_alive", "churn_probability"):
        found.append(
            gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1)
        )
    for shorter, longer in (
        ("expected_purchases_90d", "expected_purchases_30d"),
        ("expected_purchases_365d", "expected_purchases_90d"),
    ):
        found.append(
            gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=shorter,
                column_B=longer,
                or_equal=True,
                ignore_row_if="either_value_is_missing",  # NULL: BG/NBD not fitted
            )
        )
    found.append(
        gx.expectations.ExpectColumnValuesToBeBetween(column="expected_purchases_30d", min_value=0)
    )
    for column in ("expected_average_order_value_amount", "clv_12m_amount"):
        found.append(gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=0))
    found.append(
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="churn_risk_band", value_set=CHURN_RISK_BANDS
        )
    )
    found.append(
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="expected_next_purchase_date",
            column_B="as_of_date",
            # NULL: no fit, or a next purchase more than ten years off
            ignore_row_if="either_value_is_missing",
        )
    )
    return found
