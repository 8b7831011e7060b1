"""The marts, copied to the file BI tools open (see ingestion/publish.py for why a copy)."""

import dagster as dg

from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse
from ingestion.publish import publish_marts

MARTS = [
    "dim_customers",
    "fct_orders",
    "fct_order_lines",
    "customer_rfm",
    "customer_ltv",
    "repurchase_monthly",
    # written by the predictions assets, so published only once they have run
    "clv_model_params",
    "customer_predictions",
    "clv_holdout_validation",
]


@dg.asset(
    key=["published", "bi_marts"],
    deps=[dg.AssetKey(["marts", t]) for t in MARTS],
    group_name="publishing",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    description="Copy of the marts schema in FUGOU_PUBLISHED_WAREHOUSE, for BI tools to open.",
)
def bi_marts(warehouse: Warehouse) -> dg.MaterializeResult:
    settings = warehouse.settings()
    target = settings.published_warehouse
    with warehouse.connect() as con:
        counts = publish_marts(con, target, settings.pii_key, publish_nicks=settings.publish_nicks)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "tables": dg.MetadataValue.json(counts),
            "nicks": "published" if settings.publish_nicks else "keyed handles",
        }
    )
