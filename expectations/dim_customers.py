"""What the customer 360 must satisfy before BI tools and audiences read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations.rfm import RFM_GROUPS_CN

if TYPE_CHECKING:  # GX takes 3 s to import: only a check that runs pays it
    import great_expectations as gx

COLUMNS = (
    "customer_id, purchase_count, order_count, net_revenue_amount, refund_amount, "
    "paid_revenue_amount, r_score, f_score, m_score, rfm_group_cn"
)

SUITE_NAME = "dim_customers"


def expectations() -> list[gx.expectations.Expectation]:
    import great_expectations as gx

    found: list[gx.expectations.Expectation] = []
    found.append(gx.expectations.ExpectColumnValuesToBeUnique(column="customer_id"))
    found.append(gx.expectations.ExpectColumnValuesToNotBeNull(column="customer_id"))
    found.append(
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="order_count", column_B="purchase_count", or_equal=True
        )
    )
    found.append(
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="paid_revenue_amount", column_B="refund_amount", or_equal=True
        )
    )
    for column in ("r_score", "f_score", "m_score"):
        found.append(
            gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=1, max_value=5)
        )
    found.append(
        gx.expectations.ExpectColumnValuesToBeInSet(column="rfm_group_cn", value_set=RFM_GROUPS_CN)
    )
    return found
