"""Tonight's actions, written where each channel takes them (activation/outbox.py)."""

import dagster as dg

from activation.outbox import send_keys_in, write_outbox
from dagster_project.defs.shared.warehouse import WAREHOUSE_POOL, Warehouse

QUEUE = dg.AssetKey(["marts", "activation_queue"])
HISTORY = dg.AssetKey(["marts", "contact_history"])
OUTBOX = ["activation", "outbox"]

# Tonight's queued actions with what each channel needs: the nick, the newest mobile's
# pseudonym, the employee who follows the customer on WeCom (the earliest added), the product.
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
    facts.next_product_name
from marts.activation_queue as queue
inner join marts.dim_customers as customers on queue.customer_id = customers.customer_id
left join marts.customer_audience_facts as facts on queue.customer_id = facts.customer_id
left join phones on queue.customer_id = phones.customer_id and phones.phone_rank = 1
left join followers on queue.customer_id = followers.customer_id and followers.follower_rank = 1
where queue.queue_status = 'queued'
order by queue.send_key
"""


@dg.asset(
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
    report = write_outbox(settings.outbox_dir, as_of, queued)
    if report.sms_without_numbers:
        context.log.warning(
            f"{report.sms_without_numbers} SMS rows carry a mobile pseudonym, not a number: "
            "Fugou keeps no clear phones yet (the contact vault is to come), so hand the SMS "
            "platform the numbers from your own system by 手机号假名, or leave SMS to the "
            "other channels"
        )
    context.log.info(f"outbox {report.folder}: {report.rows} rows in {len(report.files)} files")
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(report.folder)),
            "files": dg.MetadataValue.json(report.files),
            "rows": report.rows,
            "sms_without_numbers": report.sms_without_numbers,
            "cells_escaped_for_spreadsheets": report.escaped_cells,
        }
    )


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
