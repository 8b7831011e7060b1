"""Great Expectations suites run as Dagster asset checks on raw orders and the customer 360."""

import dagster as dg

from dagster_project.defs.shared.warehouse import Warehouse
from expectations import dim_customers, raw_taobao_orders
from expectations.runner import SuiteOutcome, validate


def _result(outcome: SuiteOutcome, rows: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=outcome.success,
        metadata={
            "rows_validated": rows,
            "expectations": len(outcome.outcomes),
            "failed": dg.MetadataValue.md(
                "\n".join(
                    f"- {o.expectation} on {o.column}: {o.unexpected_count} unexpected"
                    for o in outcome.failed
                )
                or "none"
            ),
        },
    )


@dg.asset_check(
    asset=dg.AssetKey(["raw", "taobao_orders"]),
    description="GX suite raw_taobao_orders: ids present, amounts ≥ 0, dates parse, known states.",
    blocking=True,
)
def raw_taobao_orders_expectations(warehouse: Warehouse) -> dg.AssetCheckResult:
    settings = warehouse.settings()
    with warehouse.connect(read_only=True) as con:
        frame = con.sql(f"select {raw_taobao_orders.COLUMNS} from raw.taobao_orders").df()
    outcome = validate(
        frame, raw_taobao_orders.SUITE_NAME, raw_taobao_orders.expectations(settings.as_of)
    )
    return _result(outcome, len(frame))


@dg.asset_check(
    asset=dg.AssetKey(["marts", "dim_customers"]),
    description="GX suite dim_customers: unique ids, consistent counts and money, valid RFM.",
)
def dim_customers_expectations(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        frame = con.sql(f"select {dim_customers.COLUMNS} from marts.dim_customers").df()
    outcome = validate(frame, dim_customers.SUITE_NAME, dim_customers.expectations())
    return _result(outcome, len(frame))
