"""`python -m dagster_project.summary` — what the last run left in the warehouse, in one screen."""

from __future__ import annotations

import duckdb

from expectations.identity_quality import measure_warehouse
from ingestion.settings import load_settings
from ingestion.sources import RAW_TABLES

# Every raw table the loader writes, then the marts BI reads.
TABLES = (
    *(("raw", table) for table in RAW_TABLES),
    ("raw", "quarantine"),
    ("raw", "file_ledger"),
    ("marts", "fct_orders"),
    ("marts", "fct_order_lines"),
    ("marts", "fct_refunds"),
    ("marts", "dim_customers"),
    ("marts", "dim_products"),
    ("marts", "customer_social_profile"),
    ("marts", "customer_rfm"),
    ("marts", "customer_category_rfm"),
    ("marts", "customer_lifecycle"),
    ("marts", "customer_tags"),
    ("marts", "tag_summary"),
    ("marts", "segment_migration_monthly"),
    ("marts", "customer_ltv"),
    ("marts", "repurchase_monthly"),
    ("marts", "repurchase_quarterly"),
    ("marts", "cohort_retention_monthly"),
    ("marts", "purchase_interval_distribution"),
    ("marts", "shop_kpis_monthly"),
    ("marts", "revenue_share_by_segment"),
    ("marts", "loyalty_members"),
    ("marts", "points_ledger"),
    ("marts", "survey_responses"),
    ("marts", "customer_identifiers"),
    ("marts", "identity_audit"),
    ("marts", "customer_purchase_days"),
    ("marts", "customer_predictions"),
)


def main() -> int:
    settings = load_settings()
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        print(f"warehouse {settings.warehouse} as of {settings.as_of}")
        for schema, table in TABLES:
            rows = con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
            print(f"  {schema}.{table:<22} {rows:>10,} rows")
        print("RFM groups:")
        for cn, en, n in con.execute(
            "select rfm_group_cn, rfm_group_en, count(*) from marts.customer_rfm "
            "group by all order by min(rfm_group_code)"
        ).fetchall():
            print(f"  {cn} ({en}): {n:,}")
        stages = con.execute(
            "select lifecycle_stage, count(*) from marts.customer_lifecycle group by 1"
            " order by min(position(lifecycle_stage in 'potential new active loyal silent churned'))"
        ).fetchall()
        print("Lifecycle stages: " + ", ".join(f"{stage} {n:,}" for stage, n in stages))
        latest = con.execute(
            "select strftime(month_start_date, '%Y-%m'), gmv_amount, aov_amount, refund_rate,"
            " churn_rate, nps from marts.shop_kpis_monthly order by month_start_date desc limit 1"
        ).fetchone()
        if latest is not None:
            month, gmv, aov, refund_rate, churn_rate, nps = latest
            print(
                f"{month}: GMV {gmv:,.2f}, AOV {aov:,.2f}, refund rate {refund_rate:.2%}, "
                f"churn rate {churn_rate:.2%}, NPS {nps if nps is not None else '-'}"
            )
        fit = con.execute(
            "select r, alpha, a, b, p, q, gamma from marts.clv_model_params where as_of_date = ?",
            [settings.as_of],
        ).fetchone()
        if fit is not None:
            print(
                "BG/NBD r={:.3f} alpha={:.2f} days a={:.3f} b={:.3f}; "
                "Gamma-Gamma p={:.2f} q={:.2f} gamma={:.2f}".format(*fit)
            )
        holdout = con.execute(
            "select calibration_end_date, holdout_days, predicted_purchases_per_customer,"
            " actual_purchases_per_customer, mean_absolute_error, baseline_mean_absolute_error"
            " from marts.clv_holdout_validation where bucket_number = 0"
        ).fetchone()
        if holdout is not None:
            end, days, predicted, actual, mae, baseline = holdout
            print(
                f"Holdout {days} days after {end}: predicted {predicted:.3f}, actual {actual:.3f} "
                f"purchase days per customer; MAE {mae:.3f} (naive baseline {baseline:.3f})"
            )
        hit_rates = dict(
            con.execute(
                "select method, hit_rate from marts.cross_sell_evaluation order by method"
            ).fetchall()
        )
        if hit_rates:
            print(
                "Cross-sell hit rate at 10 (90-day time split): "
                f"{hit_rates['cross_sell']:.1%} (popularity baseline {hit_rates['popularity']:.1%})"
            )
        due = con.execute(
            "select replenishment_status, count(*) from marts.customer_replenishment_due"
            " group by 1 order by 1"
        ).fetchall()
        print("Replenishment: " + ", ".join(f"{status} {n:,}" for status, n in due))
        truth = settings.ground_truth / "identities.csv" if settings.ground_truth else None
        if truth is not None and truth.is_file():
            quality = measure_warehouse(con, truth, settings.pii_key)
            print(
                "Identity resolution against the ground truth (pairwise): "
                f"precision {quality.precision:.4f}, recall {quality.recall:.4f} "
                f"(of what the records support: {quality.supported_recall:.4f}), "
                f"{quality.people_split:,} people split, "
                f"{quality.customers_merged:,} customers holding two people"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
