"""`python -m dagster_project.summary` — what the last run left in the warehouse, in one screen."""

from __future__ import annotations

import argparse
import sys

import duckdb

from dashboard.render import folder_for
from expectations.churn_reason_quality import planted_customers, reason_quality
from expectations.identity_quality import measure_warehouse
from ingestion.settings import SettingsError, load_settings
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
    ("marts", "member_tier_history"),
    ("marts", "member_loyalty_reconciliation"),
    ("marts", "survey_responses"),
    ("marts", "customer_feedback"),
    ("marts", "customer_churn_reasons"),
    ("marts", "customer_identifiers"),
    ("marts", "identity_audit"),
    ("marts", "customer_purchase_days"),
    ("marts", "customer_predictions"),
    ("marts", "audience_memberships"),
    ("marts", "activation_queue"),
    ("marts", "contact_history"),
    ("marts", "suppression_list"),
)


def _value(value, spec: str) -> str:
    """A figure, or `–` when the warehouse has none (a short history has no churn rate yet)."""
    return "–" if value is None else format(value, spec)


def _has(con, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = ? and table_catalog = current_database()",
            [schema, table],
        ).fetchone()[0]
    )


def _one(con, sql: str, params: list | None = None, table: tuple[str, str] | None = None):
    if table is not None and not _has(con, *table):
        return None
    return con.execute(sql, params or []).fetchone()


def _all(con, sql: str, table: tuple[str, str]) -> list[tuple]:
    return con.execute(sql).fetchall() if _has(con, *table) else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dagster_project.summary",
        description="What the last run left in the warehouse (FUGOU_WAREHOUSE), in one screen: "
        "the repurchase rate first, then row counts, segments, KPIs and model checks.",
    )
    parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"summary: {exc}", file=sys.stderr)
        return 2
    if not settings.warehouse.exists():
        print(
            f"summary: no warehouse at {settings.warehouse}: run the nightly job first",
            file=sys.stderr,
        )
        return 2
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        # the day the last build described (its run's partition), not today's date
        as_of = _built_as_of(con) or settings.as_of
        print(f"warehouse {settings.warehouse} as of {as_of}")
        _repurchase(con)
        for schema, table in TABLES:
            if not _has(con, schema, table):
                print(f"  {schema}.{table:<22} {'not built':>10}")
                continue
            rows = con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
            print(f"  {schema}.{table:<22} {rows:>10,} rows")
        _segments(con)
        _kpis(con)
        _models(con, settings, as_of)
        _loyalty(con)
        _churn(con, settings)
        _tonight(con)
        _did_it_work(con)
    page = folder_for(settings.published_warehouse) / "dashboard.html"
    if page.is_file():
        print(f"The operator's dashboard (opens offline in a browser): {page}")
    return 0


def _repurchase(con) -> None:
    """The headline: how many buyers come back."""
    row = _one(
        con,
        "select strftime(month_start_date, '%Y-%m'), repurchase_rate, repurchase_rate_30d,"
        " repurchase_rate_60d, repurchase_rate_90d, repeat_customer_share, customer_count"
        " from marts.repurchase_monthly order by month_start_date desc limit 1",
        table=("marts", "repurchase_monthly"),
    )
    if row is None:
        print("Repurchase rate: – (marts.repurchase_monthly is not built)")
        return
    month, rate, d30, d60, d90, repeat_share, customers = row
    print(
        f"Repurchase rate {month}: {_value(rate, '.1%')} of the month's buyers had bought "
        f"before; {_value(repeat_share, '.1%')} of {_value(customers, ',')} customers are "
        "repeat buyers"
    )
    # new customers' 30/60/90-day rates need 90 days behind the month: the latest such month
    cohort = con.execute(
        "select strftime(month_start_date, '%Y-%m'), repurchase_rate_30d, repurchase_rate_60d,"
        " repurchase_rate_90d from marts.repurchase_monthly where repurchase_rate_90d is not null"
        " order by month_start_date desc limit 1"
    ).fetchone()
    if cohort is not None:
        month, d30, d60, d90 = cohort
        print(
            f"  new customers of {month} back within 30/60/90 days: {_value(d30, '.1%')} / "
            f"{_value(d60, '.1%')} / {_value(d90, '.1%')}"
        )


def _segments(con) -> None:
    groups = _all(
        con,
        "select rfm_group_cn, rfm_group_en, count(*) from marts.customer_rfm "
        "group by all order by min(rfm_group_code)",
        ("marts", "customer_rfm"),
    )
    if groups:
        print("RFM groups:")
        for cn, en, n in groups:
            print(f"  {cn} ({en}): {n:,}")
    stages = _all(
        con,
        "select lifecycle_stage, count(*) from marts.customer_lifecycle group by 1"
        " order by min(position(lifecycle_stage in 'potential new active loyal silent churned'))",
        ("marts", "customer_lifecycle"),
    )
    if stages:
        print("Lifecycle stages: " + ", ".join(f"{stage} {n:,}" for stage, n in stages))


def _kpis(con) -> None:
    latest = _one(
        con,
        "select strftime(month_start_date, '%Y-%m'), gmv_amount, aov_amount, refund_rate,"
        " churn_rate, nps from marts.shop_kpis_monthly order by month_start_date desc limit 1",
        table=("marts", "shop_kpis_monthly"),
    )
    if latest is not None:
        month, gmv, aov, refund_rate, churn_rate, nps = latest
        print(
            f"{month}: GMV {_value(gmv, ',.2f')}, AOV {_value(aov, ',.2f')}, refund rate "
            f"{_value(refund_rate, '.2%')}, churn rate {_value(churn_rate, '.2%')}, "
            f"NPS {_value(nps, '')}"
        )


def _built_as_of(con):
    """The as-of day of the last build: customer_rfm is rebuilt whole, for one day, each run."""
    row = _one(
        con, "select max(as_of_date) from marts.customer_rfm", table=("marts", "customer_rfm")
    )
    return row[0] if row else None


def _models(con, settings, as_of) -> None:
    fit = _one(
        con,
        "select r, alpha, a, b, p, q, gamma from marts.clv_model_params where as_of_date = ?",
        [as_of],
        table=("marts", "clv_model_params"),
    )
    if fit is not None:
        r, alpha, a, b, p, q, gamma = (_value(v, ".3f") for v in fit)
        print(f"BG/NBD r={r} alpha={alpha} days a={a} b={b}; Gamma-Gamma p={p} q={q} gamma={gamma}")
    holdout = _one(
        con,
        "select calibration_end_date, holdout_days, predicted_purchases_per_customer,"
        " actual_purchases_per_customer, mean_absolute_error, baseline_mean_absolute_error"
        " from marts.clv_holdout_validation where bucket_number = 0",
        table=("marts", "clv_holdout_validation"),
    )
    if holdout is not None:
        end, days, predicted, actual, mae, baseline = holdout
        print(
            f"Holdout {_value(days, '')} days after {_value(end, '')}: predicted "
            f"{_value(predicted, '.3f')}, actual {_value(actual, '.3f')} purchase days per "
            f"customer; MAE {_value(mae, '.3f')} (naive baseline {_value(baseline, '.3f')})"
        )
    chosen = _all(
        con,
        "select segment, chosen_method, chosen_hit_rate, popularity_hit_rate,"
        " confirmation_hit_rate, confirmation_popularity_hit_rate, customer_count"
        " from marts.cross_sell_model_selection"
        " where as_of_date = (select max(as_of_date) from marts.cross_sell_model_selection)"
        " order by segment desc",
        ("marts", "cross_sell_model_selection"),
    )
    for segment, method, hit, base, confirmed, confirmed_base, customers in chosen:
        # the last holdout days, looked at after the choice, where there were two windows
        shown, shown_base = (confirmed, confirmed_base) if confirmed is not None else (hit, base)
        print(
            f"Cross-sell for {_value(customers, ',')} {segment.replace('_', '-')} customers: "
            f"{method}, hit rate at 10 {_value(shown, '.1%')} "
            f"(popularity {_value(shown_base, '.1%')}, last 90 days)"
        )
    due = _all(
        con,
        "select replenishment_status, count(*) from marts.customer_replenishment_due"
        " group by 1 order by 1",
        ("marts", "customer_replenishment_due"),
    )
    if due:
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


def _loyalty(con) -> None:
    """The member programme under the shop's rules: who holds which tier, what moved tonight and
    this month, what the points outstanding are worth, and where the exported list disagrees."""
    tiers = _all(
        con,
        "select member_tier, member_count, net_spend_share from marts.loyalty_tier_summary"
        " order by tier_rank",
        ("marts", "loyalty_tier_summary"),
    )
    if not tiers:
        return
    print(
        "Members by tier (share of members' net spend): "
        + ", ".join(f"{tier} {n:,} ({_value(share, '.0%')})" for tier, n, share in tiers)
    )
    moves = _all(
        con,
        "select change_kind, count(*) filter (where is_tonight),"
        " count(*) filter (where changed_date >= date_trunc('month', ("
        "select max(as_of_date) from marts.loyalty_tier_summary)))"
        " from marts.member_tier_changes where change_kind <> 'joined' group by 1 order by 1",
        ("marts", "member_tier_changes"),
    )
    if moves:
        print(
            "  tier moves tonight / this month: "
            + ", ".join(f"{kind} {tonight:,} / {month:,}" for kind, tonight, month in moves)
        )
    points = _one(
        con,
        "select outstanding_points, points_liability_amount, redemption_rate_to_date,"
        " breakage_rate_to_date, earned_points, clawed_back_points, expired_points"
        " from marts.loyalty_points_monthly order by month_start_date desc limit 1",
        table=("marts", "loyalty_points_monthly"),
    )
    if points is not None:
        outstanding, liability, redeemed, breakage, earned, clawed, expired = points
        print(
            f"  points outstanding {outstanding:,}: liability {float(liability):,.2f} CNY; "
            f"redeemed {_value(redeemed, '.1%')}, expired {_value(breakage, '.1%')} of all "
            f"points kept; this month earned {earned:,}, clawed back {clawed:,}, "
            f"expired {expired:,}"
        )
    recon = ("marts", "member_loyalty_reconciliation")
    counts = _one(
        con,
        "select count(*), count(*) filter (where points_mismatch_reason <> 'matches'),"
        " count(*) filter (where tier_mismatch_reason not in ('matches', 'not_exported'))"
        " from marts.member_loyalty_reconciliation",
        table=recon,
    )
    if counts is not None and (counts[1] or counts[2]):
        members, points_off, tier_off = counts
        reasons = _all(
            con,
            "select reason, count(*) from (select unnest(string_split(points_mismatch_reason,"
            " ', ')) as reason from marts.member_loyalty_reconciliation"
            " where points_mismatch_reason <> 'matches') group by 1 order by 2 desc, 1",
            recon,
        )
        tier_reasons = _all(
            con,
            "select tier_mismatch_reason, count(*) from marts.member_loyalty_reconciliation"
            " where tier_mismatch_reason not in ('matches', 'not_exported')"
            " group by 1 order by 2 desc, 1",
            recon,
        )
        print(
            f"  the member list against the rules: balance differs for {points_off:,} of "
            f"{members:,} ({', '.join(f'{r} {n:,}' for r, n in reasons)}); tier for "
            f"{tier_off:,} ({', '.join(f'{r} {n:,}' for r, n in tier_reasons)})"
        )


def _churn(con, settings) -> None:
    """Why customers leave: the reasons named, the two views of churn side by side, and, on the
    demo, how many planted reasons were found."""
    reasons = _all(
        con,
        "select churn_reason, churn_reason_cn, count(*) from marts.customer_churn_reasons"
        " group by 1, 2 order by 3 desc",
        ("marts", "customer_churn_reasons"),
    )
    if not reasons:
        return
    status = dict(
        _all(
            con,
            "select churn_status, count(*) from marts.customer_churn_reasons group by 1",
            ("marts", "customer_churn_reasons"),
        )
    )
    print(
        f"Why customers leave ({status.get('at_risk', 0):,} at risk, "
        f"{status.get('churned', 0):,} churned): "
        + ", ".join(f"{cn} {reason} {n:,}" for reason, cn, n in reasons)
    )
    views = _one(
        con,
        "select count(*) filter (where churn_views_agree),"
        " count(*) filter (where days_view = 'churned' and model_view = 'active'),"
        " count(*) filter (where days_view = 'active' and model_view <> 'active'),"
        " count(*) filter (where model_view is not null)"
        " from marts.customer_churn_reasons",
    )
    print(
        f"  days and model agree on {views[0]:,} of {views[3]:,}; churned by days but expected "
        f"back by the model: {views[1]:,}; active by days but at risk by the model: {views[2]:,}"
    )
    folder = settings.ground_truth
    if folder is not None and (folder / "churn_reasons.csv").is_file():
        named = con.sql("select customer_id, churn_reason from marts.customer_churn_reasons").df()
        quality = reason_quality(named, planted_customers(con, folder, settings.pii_key))
        print(
            "  planted reasons found (recall, precision among planted, over all named): "
            + "; ".join(
                f"{q.reason} {q.recall:.0%}, {q.precision_among_planted:.0%}, {q.precision:.0%}"
                for q in quality
            )
        )


def _tonight(con) -> None:
    """Tonight's actions: what goes out on which channel, what the holdouts would have had, and
    why the rest is held back."""
    queue = ("marts", "activation_queue")
    rows = _all(
        con,
        "select audience_name, min(priority), "
        "sum(case when queue_status = 'queued' then 1 else 0 end), "
        "sum(case when queue_status = 'holdout' then 1 else 0 end), "
        "sum(case when queue_status = 'held_back' then 1 else 0 end) "
        "from marts.activation_queue group by 1 order by 2",
        queue,
    )
    if not rows:
        return
    print("Tonight's actions (queued / holdout / held back), by audience:")
    for audience, _, queued, holdout, held in rows:
        print(f"  {audience:<26} {queued:>7,} {holdout:>7,} {held:>7,}")
    channels = _all(
        con,
        "select channel, count(*) from (select unnest(string_split(reachable_channels, ',')) "
        "as channel from marts.activation_queue where queue_status = 'queued') group by 1 "
        "order by 2 desc, 1",
        queue,
    )
    print("  by channel: " + ", ".join(f"{channel} {n:,}" for channel, n in channels))
    reasons = _all(
        con,
        "select held_back_reason, count(*) from marts.activation_queue "
        "where queue_status = 'held_back' group by 1 order by 2 desc, 1",
        queue,
    )
    print("  held back: " + ", ".join(f"{reason} {n:,}" for reason, n in reasons))


def _points(value) -> str:
    return "" if value is None else f"{float(value) * 100:+.1f}"


def _did_it_work(con) -> None:
    """Every audience's campaigns so far, pooled over the waves whose window is over: the lift in
    conversion against the holdout with its 95% interval, and the ROI; or why it cannot say."""
    lift = ("marts", "campaign_lift")
    rows = _all(
        con,
        "select lift.audience_name, lift.treatment_count, lift.holdout_count, "
        "lift.treatment_conversion_rate, lift.holdout_conversion_rate, lift.conversion_lift, "
        "lift.conversion_lift_lower, lift.conversion_lift_upper, lift.conversion_verdict, "
        "roi.incremental_gross_margin_amount, roi.cost_amount, roi.roi, roi.roi_lower, "
        "roi.roi_upper, roi.roi_verdict, "
        "lift.required_holdout_count_conversion "
        "from marts.campaign_lift as lift left join marts.campaign_roi as roi "
        "on lift.audience_name = roi.audience_name and roi.is_pooled "
        "where lift.is_pooled order by lift.treatment_count desc, lift.audience_name",
        lift,
    )
    if not rows:
        print("Did it work? No campaign has finished its measurement window yet.")
        return
    print(
        "Did it work? Campaigns whose window is over, treatment against holdout "
        "(conversion lift in points, 95% interval; ROI = incremental margin − cost, over cost):"
    )
    for (audience, n_t, n_h, rate_t, rate_h, lift_, low, high, verdict,
         margin, cost, roi, roi_low, roi_high, roi_verdict, needed) in rows:  # fmt: skip
        base = f"  {audience:<26} {n_t:>6,} vs {n_h:>5,}  {float(rate_t):6.1%}"
        base += f" vs {float(rate_h):6.1%}" if rate_h is not None else " vs    n/a"
        if lift_ is None:
            short = f" (holdout {n_h:,} of the {needed:,} needed)" if needed else ""
            print(f"{base}  {verdict.replace('_', ' ')}{short}")
            continue
        told = roi_verdict.replace("_", " ")
        if roi is not None:
            money = (
                f"margin {float(margin):+,.0f} on cost {float(cost):,.0f}: ROI {float(roi):+.1f} "
                f"[{float(roi_low):+.1f}, {float(roi_high):+.1f}], {told}"
            )
        elif margin is not None:
            money = f"margin {float(margin):+,.0f}, nothing spent"
        else:
            money = f"ROI {told}"
        print(
            f"{base}  lift {_points(lift_)} [{_points(low)}, {_points(high)}] "
            f"{verdict.replace('_', ' ')}; {money}"
        )
    checks = _all(
        con,
        "select audience_name, goal_metric, goal_change, relative_change, relative_change_lower, "
        "relative_change_upper, verdict from marts.campaign_verifications order by 1",
        ("marts", "campaign_verifications"),
    )
    for audience, metric, goal, change, low, high, verdict in checks:
        aim = f"{metric} {float(goal):+.0%}"
        if change is None:
            print(f"  goal {audience}: {aim}, {verdict.replace('_', ' ')}")
        else:
            print(
                f"  goal {audience}: {aim}, measured {float(change):+.1%} "
                f"[{float(low):+.1%}, {float(high):+.1%}]: {verdict.replace('_', ' ')}"
            )


if __name__ == "__main__":
    raise SystemExit(main())
