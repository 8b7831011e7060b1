"""Truth test of campaign measurement: the demo shop's responder (ingestion/demo/campaign_responses)
adds a known uplift to the people an outbox reaches, and the measurement marts must find it.

Each replicate is one audience of its own customers (so replicates are independent): 2,400
treatment and 600 holdout members, each buying organically within the 14-day window with
probability P0, the same in both groups. The responder answers the treatment members' outbox
rows (an SMS file with their numbers) with probability UPLIFT; holdout members never reach the
outbox. So the true lift is UPLIFT purchases per member and UPLIFT × (1 − P0) in conversion.

Over several seeds × audiences, campaign_lift's 95% intervals must cover the truth about 95% of
the time, and with no uplift (A/A) must call a lift or a loss about 5% of the time. The figures
are written to bench/results/campaign_truth.json for the record.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from ingestion.demo.campaign_responses import ResponseParams, respond
from ingestion.demo.shop import ShopParams, build_shop
from tests.conftest import PROJECT_ROOT, run_dbt

SEEDS = range(1, 9)
AUDIENCES_PER_SEED = 25
TREATMENT, HOLDOUT = 2400, 600
P0 = 0.08
UPLIFT = 0.10
NIGHT = dt.date(2026, 9, 1)
SENT_AT = pd.Timestamp("2026-09-02 10:00:00")
AS_OF = "2026-10-31"
MEASURED = [
    "order_attributions",
    "campaign_member_outcomes",
    "campaign_results",
    "campaign_lift",
    "campaign_roi",
]


@pytest.fixture(scope="module")
def shop():
    return build_shop(ShopParams(customers=TREATMENT + HOLDOUT, seed=11))


def _experiment(shop, arm: str, uplift: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(contact_history rows, fct_orders rows) of every replicate of one arm."""
    people = shop.people.reset_index(drop=True)
    history, orders = [], []
    for seed in SEEDS:
        rng = np.random.default_rng([seed, 0 if arm == "aa" else 1])
        actions = []
        for a in range(AUDIENCES_PER_SEED):
            audience = f"{arm}_s{seed}_a{a:02d}"
            holdout = np.zeros(len(people), bool)
            holdout[rng.choice(len(people), HOLDOUT, replace=False)] = True
            customer = audience + "_" + people["person_id"].astype(str)
            send_key = audience + ":" + customer + ":" + NIGHT.isoformat()
            history.append(
                pd.DataFrame(
                    {
                        "send_key": send_key,
                        "as_of_date": NIGHT,
                        "customer_id": customer,
                        "audience_name": audience,
                        "treatment_group": np.where(holdout, "holdout", "treatment"),
                        "queue_status": np.where(holdout, "holdout", "queued"),
                        "channels": "sms",
                        "offer_kind": "none",
                        "offer_value": 0.0,
                        "template_id": "t",
                        "scheduled_send_at": SENT_AT,
                        "delivery_status": None,
                    }
                )
            )
            # organic purchases, alike in both groups: within the window with probability P0
            buys = rng.random(len(people)) < P0
            hours = rng.uniform(0, 13 * 24, buys.sum())
            orders.append(
                pd.DataFrame(
                    {
                        "customer_id": customer[buys].to_numpy(),
                        "paid_at": SENT_AT + pd.to_timedelta(hours, unit="h"),
                        "paid_amount": np.round(rng.lognormal(5, 0.5, buys.sum()), 2),
                    }
                )
            )
            # the outbox of the treatment members: an SMS file with their numbers
            sent = ~holdout
            actions.append(
                pd.DataFrame(
                    {
                        "send_key": send_key[sent].to_numpy(),
                        "audience_name": audience,
                        "offer": "",
                        "mobile": people.loc[sent, "phone"].to_numpy(),
                        "nick": "",
                        "send_at": SENT_AT.strftime("%Y-%m-%d %H:%M"),
                        "product": "",
                    }
                )
            )
        outbox = pd.concat(actions, ignore_index=True)
        truth, response_orders, _ = respond(
            shop, outbox, NIGHT.isoformat(), ResponseParams(uplift=uplift, seed=seed)
        )
        answered = truth[truth["responded"]]
        customers = answered["send_key"].str.split(":").str[1].to_numpy()
        paid = response_orders.set_index("order_id").loc[answered["order_id"]]
        orders.append(
            pd.DataFrame(
                {
                    "customer_id": customers,
                    "paid_at": paid["paid_at"].to_numpy(),
                    "paid_amount": paid["paid_cents"].to_numpy() / 100,
                }
            )
        )
    history = pd.concat(history, ignore_index=True)
    orders = pd.concat(orders, ignore_index=True)
    orders.insert(0, "order_id", [f"{arm}-{i}" for i in range(len(orders))])
    return history, orders


def _load(warehouse, history: pd.DataFrame, orders: pd.DataFrame) -> None:
    """The upstream tables the measurement marts read, as the pipeline would have built them."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists intermediate")
        con.register("history_frame", history)
        con.execute(
            "create or replace table marts.contact_history as select send_key, as_of_date, "
            "customer_id, audience_name, treatment_group, queue_status, channels, offer_kind, "
            "cast(offer_value as decimal(18, 2)) as offer_value, template_id, "
            "cast(scheduled_send_at as timestamp) as scheduled_send_at, "
            "cast(delivery_status as varchar) as delivery_status from history_frame"
        )
        con.register("orders_frame", orders)
        con.execute(
            "create or replace table marts.fct_orders as select order_id, customer_id, "
            "cast(paid_at as timestamp) as paid_at, true as is_purchase, "
            "cast(paid_amount as decimal(18, 2)) as paid_amount, "
            "cast(paid_amount as decimal(18, 2)) as goods_amount, "
            "cast(0 as decimal(18, 2)) as coupon_amount, "
            "cast(0 as decimal(18, 2)) as refund_amount, "
            "cast(paid_amount as decimal(18, 2)) as net_revenue_amount from orders_frame"
        )
        con.execute(
            "create or replace table intermediate.int_orders_costed as select order_id, "
            "cast(paid_amount * 0.5 as decimal(18, 2)) as cost_of_goods_amount, "
            "false as is_cost_estimated from marts.fct_orders"
        )
        con.execute(
            "create or replace table marts.audience_definitions as select distinct "
            "audience_name, cast(null as varchar) as goal_metric, "
            "cast(null as decimal(18, 4)) as goal_change, cast(null as integer) as goal_period_days "
            "from marts.contact_history"
        )


@pytest.fixture(scope="module")
def measured(shop, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("campaign_truth")
    warehouse = tmp_path / "truth.duckdb"
    uplifted = _experiment(shop, "up", UPLIFT)
    null = _experiment(shop, "aa", 0.0)
    _load(
        warehouse,
        pd.concat([uplifted[0], null[0]], ignore_index=True),
        pd.concat([uplifted[1], null[1]], ignore_index=True),
    )
    run_dbt(["run", "--select", *MEASURED], warehouse, AS_OF, tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql("select * from marts.campaign_lift where not is_pooled").df()


def test_every_replicate_is_measured_over_a_complete_window(measured):
    assert len(measured) == 2 * len(SEEDS) * AUDIENCES_PER_SEED
    assert measured["is_window_complete"].all()
    assert (measured["treatment_count"] == TREATMENT).all()
    assert (measured["holdout_count"] == HOLDOUT).all()
    # big enough to tell 5 points of conversion: every replicate gets an interval
    assert (measured["conversion_verdict"] != "too_small_to_tell").all()


def test_intervals_cover_the_known_uplift_about_95_percent_of_the_time(measured):
    uplifted = measured[measured["audience_name"].str.startswith("up_")]
    true_conversion_lift = UPLIFT * (1 - P0)
    covered_conversion = (uplifted["conversion_lift_lower"] <= true_conversion_lift) & (
        true_conversion_lift <= uplifted["conversion_lift_upper"]
    )
    covered_purchases = (uplifted["purchases_per_member_lift_lower"] <= UPLIFT) & (
        uplifted["purchases_per_member_lift_upper"] >= UPLIFT
    )
    null = measured[measured["audience_name"].str.startswith("aa_")]
    flagged = null["conversion_verdict"].isin(["lift", "negative"])
    figures = {
        "replicates_per_arm": len(uplifted),
        "uplift_purchases_per_member": UPLIFT,
        "true_conversion_lift": round(true_conversion_lift, 4),
        "mean_estimated_conversion_lift": round(float(uplifted["conversion_lift"].mean()), 4),
        "conversion_interval_coverage": round(float(covered_conversion.mean()), 3),
        "purchases_interval_coverage": round(float(covered_purchases.mean()), 3),
        "uplift_detected_share": round(float((uplifted["conversion_verdict"] == "lift").mean()), 3),
        "aa_false_positive_rate": round(float(flagged.mean()), 3),
        "aa_revenue_false_positive_rate": round(
            float(null["revenue_verdict"].isin(["lift", "negative"]).mean()), 3
        ),
    }
    out = PROJECT_ROOT / "bench" / "results" / "campaign_truth.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    # 200 replicates: a 95% interval's coverage lands within 0.91-0.99 unless it is miscalibrated
    assert 0.91 <= figures["conversion_interval_coverage"] <= 0.99, figures
    assert 0.91 <= figures["purchases_interval_coverage"] <= 0.99, figures
    assert abs(figures["mean_estimated_conversion_lift"] - true_conversion_lift) < 0.005, figures
    # with no uplift, a lift or a loss is called at about the nominal 5%
    assert 0.01 <= figures["aa_false_positive_rate"] <= 0.10, figures
    assert figures["uplift_detected_share"] >= 0.9, figures
