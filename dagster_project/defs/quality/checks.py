"""Great Expectations suites run as Dagster asset checks on raw orders and the customer 360, and
identity resolution measured against the demo's ground truth."""

import datetime as dt

import dagster as dg

from dagster_project.defs.shared.build_inputs import code_digest
from dagster_project.defs.shared.suite_results import suite_check_result
from dagster_project.defs.shared.warehouse import Warehouse
from expectations import dim_customers, raw_taobao_orders
from expectations.churn_reason_quality import planted_customers, reason_quality
from expectations.identity_quality import measure_warehouse
from expectations.runner import validate

RAW_ORDERS_WHY = (
    "Blocking: an order id, amount, time or state the marts cannot read would make revenue, "
    "repurchase and RFM wrong; fix the export (or add the new 订单状态 to the state map) and "
    "re-run"
)


RAW_ORDERS = dg.AssetKey(["raw", "taobao_orders"])
# Metadata of a passing evaluation: every row loaded up to this time passed, under this suite code.
VALIDATED_THROUGH = "validated_through"
SUITE_DIGEST = "suite_digest"


@dg.asset_check(
    asset=RAW_ORDERS,
    description=(
        "GX suite raw_taobao_orders: ids present, amounts ≥ 0, dates parse, known states. "
        "Validates the rows loaded since the last time it passed (all rows when the suite's "
        f"code changed). {RAW_ORDERS_WHY}."
    ),
    blocking=True,
)
def raw_taobao_orders_expectations(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    digest = code_digest(folders=("expectations",))
    since = _validated_through(context, digest)
    with warehouse.connect(read_only=True) as con:
        (loaded_until, rows_in_table) = con.execute(
            "select max(_loaded_at), count(*) from raw.taobao_orders"
        ).fetchone()
        # A load's rows share its start time (whole seconds); the next load is a later run.
        new_rows = "" if since is None else "where _loaded_at > ?"
        frame = con.execute(
            f"select {raw_taobao_orders.COLUMNS} from raw.taobao_orders {new_rows}",
            [] if since is None else [since],
        ).df()
    outcome = validate(
        frame,
        raw_taobao_orders.SUITE_NAME,
        raw_taobao_orders.expectations(warehouse.as_of(context), loaded_until),
        key="order_id",
    )
    vouched = loaded_until if outcome.success else since
    metadata = {
        "rows_in_table": rows_in_table,
        "validated_rows_loaded_after": since.isoformat() if since else "none: every row",
        SUITE_DIGEST: digest,
    }
    if vouched is not None:
        metadata[VALIDATED_THROUGH] = vouched.isoformat()
    return suite_check_result(outcome, len(frame), context.log, RAW_ORDERS_WHY, metadata)


def _validated_through(context: dg.AssetCheckExecutionContext, digest: str) -> dt.datetime | None:
    """The load time up to which every raw order row passed, by the latest passing evaluation
    under this suite code; None (validate every row) on a first night or new suite code. Rows
    are only appended (a re-export is new rows), so a row that passed stays valid: only the
    upper date bound moves, and it moves up. A failed evaluation vouches for nothing new, so the
    rows it failed on are validated again every night until the export is fixed.

    Reads the check's history through the event log storage: DagsterInstance has no public
    call for a check's latest passing evaluation (only its latest, which is this run's plan)."""
    from dagster._core.storage.asset_check_execution_record import (
        AssetCheckExecutionRecordStatus,
    )

    key = dg.AssetCheckKey(RAW_ORDERS, "raw_taobao_orders_expectations")
    records = context.instance.event_log_storage.get_asset_check_execution_history(
        key, limit=1, status={AssetCheckExecutionRecordStatus.SUCCEEDED}
    )
    evaluation = records[0].evaluation if records else None
    metadata = evaluation.metadata if evaluation is not None else {}
    through = metadata.get(VALIDATED_THROUGH)
    if through is None or getattr(metadata.get(SUITE_DIGEST), "value", None) != digest:
        return None
    return dt.datetime.fromisoformat(through.value)


@dg.asset_check(
    asset=dg.AssetKey(["marts", "dim_customers"]),
    description=(
        "GX suite dim_customers: unique ids, consistent counts and money, valid RFM (not blocking: "
        "the marts are already built; the failures name the customers to look at)."
    ),
)
def dim_customers_expectations(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        frame = con.sql(f"select {dim_customers.COLUMNS} from marts.dim_customers").df()
    outcome = validate(
        frame, dim_customers.SUITE_NAME, dim_customers.expectations(), key="customer_id"
    )
    return suite_check_result(outcome, len(frame), context.log)


IDENTITY_MIN_PRECISION = 0.999
IDENTITY_MIN_SUPPORTED_RECALL = 0.98


@dg.asset_check(
    asset=dg.AssetKey(["marts", "customer_identifiers"]),
    description=(
        "Pairwise precision and recall of same-person decisions against the ground truth "
        "(FUGOU_GROUND_TRUTH, the demo's): precision ≥ 0.999, recall of what the records "
        "support ≥ 0.98."
    ),
)
def identity_resolution_quality(warehouse: Warehouse) -> dg.AssetCheckResult:
    settings = warehouse.settings()
    truth_file = settings.ground_truth / "identities.csv" if settings.ground_truth else None
    if truth_file is None or not truth_file.is_file():
        return dg.AssetCheckResult(
            passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"measured": False, "why": "no ground truth (FUGOU_GROUND_TRUTH unset)"},
        )
    with warehouse.connect(read_only=True) as con:
        quality = measure_warehouse(con, truth_file, settings.pii_key)
    return dg.AssetCheckResult(
        passed=quality.precision >= IDENTITY_MIN_PRECISION
        and quality.supported_recall >= IDENTITY_MIN_SUPPORTED_RECALL,
        metadata={
            "measured": True,
            "precision": round(quality.precision, 5),
            "recall": round(quality.recall, 5),
            "supported_recall": round(quality.supported_recall, 5),
            "identifiers": quality.identifiers,
            "true_pairs": quality.true_pairs,
            "predicted_pairs": quality.predicted_pairs,
            "people_split": quality.people_split,
            "customers_merged": quality.customers_merged,
        },
    )


# The planted reasons are findable but not unmistakable (a planted price leaver may also have had
# a refund): below these the attribution has stopped telling the reasons apart.
CHURN_REASON_MIN_RECALL = 0.6
CHURN_REASON_MIN_PLANTED_PRECISION = 0.6


@dg.asset_check(
    asset=dg.AssetKey(["marts", "customer_churn_reasons"]),
    description=(
        "Churn reasons against reasons planted in known customers (FUGOU_GROUND_TRUTH, the "
        "demo's churn_reasons.csv): per reason, recall and precision among planted customers "
        f"≥ {CHURN_REASON_MIN_RECALL:.0%}; precision over all named customers is reported."
    ),
)
def churn_reasons_against_planted_truth(warehouse: Warehouse) -> dg.AssetCheckResult:
    settings = warehouse.settings()
    folder = settings.ground_truth
    if folder is None or not (folder / "churn_reasons.csv").is_file():
        return dg.AssetCheckResult(
            passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"measured": False, "why": "no planted churn reasons (FUGOU_GROUND_TRUTH)"},
        )
    with warehouse.connect(read_only=True) as con:
        planted = planted_customers(con, folder, settings.pii_key)
        named = con.sql("select customer_id, churn_reason from marts.customer_churn_reasons").df()
    quality = reason_quality(named, planted)
    metadata = {"measured": True, "planted_customers": len(planted)}
    for q in quality:
        metadata[f"{q.reason}_recall"] = round(q.recall, 3)
        metadata[f"{q.reason}_precision_among_planted"] = round(q.precision_among_planted, 3)
        metadata[f"{q.reason}_precision"] = round(q.precision, 3)
        metadata[f"{q.reason}_planted"] = q.planted
        metadata[f"{q.reason}_named"] = q.named
    return dg.AssetCheckResult(
        passed=all(
            q.recall >= CHURN_REASON_MIN_RECALL
            and q.precision_among_planted >= CHURN_REASON_MIN_PLANTED_PRECISION
            for q in quality
        ),
        severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )
