"""Tonight's actions, written where each channel takes them (activation/outbox.py)."""

import dagster as dg

from activation.outbox import (
    send_keys_in,
    sms_numbers,
    webhook_actions,
    without_erased,
    write_outbox,
)
from activation.webhook import deliver
from dagster_project.defs.shared.nights import NIGHTS, ONE_DAY_PER_RUN
from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse

QUEUE = dg.AssetKey(["marts", "activation_queue"])
HISTORY = dg.AssetKey(["marts", "contact_history"])
OUTBOX = ["activation", "outbox"]

# Tonight's queued actions with what each channel needs: the nick, the newest mobile's
# pseudonym, the employee who follows the customer on WeCom (the earliest added), the product
# the audience names (its `product`: the next recommended product or a new arrival).
QUEUED_SQL = """
with phones as (
    select customer_id, identifier_value as mobile_pseudonym,
        row_number() over (
            partition by customer_id order by last_seen_at desc, identifier_value
        ) as phone_rank
    from marts.customer_identifiers
    where identifier_type = 'phone_hmac'
),
followers as (
    select customer_id, employee_userid,
        row_number() over (
            partition by customer_id order by added_at, employee_userid
        ) as follower_rank
    from marts.customer_wecom_follows
)
select
    queue.send_key,
    queue.audience_name,
    queue.customer_id,
    queue.reachable_channels,
    queue.offer_kind,
    queue.offer_value,
    queue.template_id,
    queue.scheduled_send_at,
    customers.preferred_nick as taobao_nick,
    phones.mobile_pseudonym,
    followers.employee_userid as wecom_employee_userid,
    case definitions.product_fact
        when 'new_arrival' then facts.new_arrival_product_name
        when 'none' then null
        else facts.next_product_name
    end as product_name
from marts.activation_queue as queue
inner join marts.audience_definitions as definitions
    on queue.audience_name = definitions.audience_name
inner join marts.dim_customers as customers on queue.customer_id = customers.customer_id
left join marts.customer_audience_facts as facts on queue.customer_id = facts.customer_id
left join phones on queue.customer_id = phones.customer_id and phones.phone_rank = 1
left join followers on queue.customer_id = followers.customer_id and followers.follower_rank = 1
where queue.queue_status = 'queued'
order by queue.send_key
"""


@dg.asset(
    partitions_def=NIGHTS,
    backfill_policy=ONE_DAY_PER_RUN,
    key=OUTBOX,
    deps=[QUEUE, HISTORY],
    group_name="activation",
    kinds={"python", "csv"},
    pool=WAREHOUSE_POOL,
    description="Tonight's queued actions as files per channel (SMS upload, 旺旺 list, Taobao "
    "crowds, WeCom tasks per employee, agent tasks), one folder per night.",
)
def outbox(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    settings = warehouse.settings()
    as_of = warehouse.as_of(context)
    queued = warehouse.read_frame(QUEUED_SQL)
    with warehouse.connect() as con:
        queued, erased = without_erased(con, settings.pii_key, queued)
        numbers, unopened = sms_numbers(con, settings.vault_key, queued)
    if erased:
        context.log.warning(f"{erased} queued actions name an erased person: not written")
    report = write_outbox(settings.outbox_dir, as_of, queued, numbers)
    if report.sms_without_numbers:
        why = (
            "no vault key is set (FUGOU_VAULT_KEY_FILE), so Fugou keeps no numbers"
            if not settings.vault_key
            else f"the contact vault holds no number for them ({unopened} it holds were sealed "
            "under another key)"
        )
        context.log.warning(
            f"{report.sms_without_numbers} SMS rows carry a mobile pseudonym, not a number: "
            f"{why}. Hand the SMS platform the numbers from your own system by 手机号假名, or "
            "leave SMS to the other channels"
        )
    context.log.info(f"outbox {report.folder}: {report.rows} rows in {len(report.files)} files")
    posted = _post_webhook(context, settings, as_of, queued)
    audiences = warehouse.read_frame(AUDIENCES_SQL)
    return dg.MaterializeResult(
        metadata=posted
        | _audience_metadata(audiences)
        | {
            "folder": dg.MetadataValue.path(str(report.folder)),
            "files": dg.MetadataValue.json(report.files),
            "rows": report.rows,
            "sms_without_numbers": report.sms_without_numbers,
            "erased_not_written": erased,
            "cells_escaped_for_spreadsheets": report.escaped_cells,
        }
    )


# Each audience tonight: size by group, who entered and left, and what the queue did with them.
AUDIENCES_SQL = """
select
    summary.audience_name,
    summary.member_count,
    summary.treatment_count,
    summary.holdout_count,
    summary.entered_count,
    summary.exited_count,
    coalesce(sum(case when queue.queue_status = 'queued' then 1 else 0 end), 0) as queued_count,
    coalesce(sum(case when queue.queue_status = 'held_back' then 1 else 0 end), 0) as held_back_count
from marts.audience_summary as summary
left join marts.activation_queue as queue on summary.audience_name = queue.audience_name
group by 1, 2, 3, 4, 5, 6, summary.priority
order by summary.priority
"""


def _audience_metadata(audiences) -> dict:
    """The audiences as a table, and each one's size as a number of its own, so the asset's
    page plots every audience night over night."""
    columns = list(audiences.columns)
    rows = [
        dg.TableRecord(
            {c: (v if isinstance(v, str) else int(v)) for c, v in zip(columns, r, strict=True)}
        )
        for r in audiences.itertuples(index=False, name=None)
    ]
    schema = dg.TableSchema(
        columns=[dg.TableColumn(c, "string" if c == "audience_name" else "int") for c in columns]
    )
    return {"audiences": dg.MetadataValue.table(rows, schema=schema)} | {
        f"audience_size/{name}": int(size)
        for name, size in zip(audiences["audience_name"], audiences["member_count"], strict=True)
    }


def _post_webhook(context, settings, as_of, queued) -> dict:
    """POST the webhook actions when FUGOU_WEBHOOK_URL is set; a failed batch warns (the other
    channels stand) and is tried again by the next run of the night that builds (--rebuild)."""
    actions = webhook_actions(queued)
    if actions.empty:
        return {}
    if not settings.webhook_url:
        context.log.warning(
            f"{len(actions)} actions are for the webhook but FUGOU_WEBHOOK_URL is not set: they "
            "are in webhook.csv only"
        )
        return {"webhook_actions_not_posted": len(actions)}
    report = deliver(
        settings.webhook_url, settings.outbox_dir, as_of, actions, settings.webhook_token
    )
    for failure in report.failed:
        context.log.warning(
            f"webhook {failure}; run the night again (--rebuild) to try it again: batches "
            "already delivered are not sent twice"
        )
    return {
        "webhook_batches": report.batches,
        "webhook_batches_delivered": report.delivered,
        "webhook_batches_already_delivered": report.already_delivered,
        "webhook_batches_failed": len(report.failed),
    }


@dg.asset_check(
    asset=OUTBOX,
    name="only_queued_actions_in_files",
    description="Every row of tonight's files is a queued action of tonight's queue: no "
    "holdout, suppressed, capped or unreachable member is in any file, and every row traces to "
    "the queue by its send key.",
    blocking=True,
)
def only_queued_actions_in_files(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    settings = warehouse.settings()
    folder = settings.outbox_dir / warehouse.as_of(context).isoformat()
    statuses = dict(
        warehouse.read_frame(
            "select send_key, queue_status from marts.activation_queue"
        ).itertuples(index=False, name=None)
    )
    keys = send_keys_in(folder) if folder.is_dir() else []
    not_queued = sorted({k for k in keys if statuses.get(k) != "queued"})
    return dg.AssetCheckResult(
        passed=not not_queued,
        metadata={
            "rows_in_files": len(keys),
            "rows_not_queued_tonight": len(not_queued),
            "examples": dg.MetadataValue.json(not_queued[:5]),
        },
    )
