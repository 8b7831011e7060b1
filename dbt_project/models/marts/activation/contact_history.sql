{#- Every action ever queued, one row per send key (audience + customer + night): queued ones
    the outbox sends, holdout ones recorded the same way and never sent. The cooldowns and
    frequency caps of later nights read it. Incremental by night: a rerun replaces that night's
    rows, so a night queues nothing twice.

    Delivery status comes from the receipts in the landing folder (int_delivery_receipts_latest),
    which arrive nights after the send: tonight's rows take it as they are written, and the
    post-hook brings every earlier night's rows up to date (history is kept, so it cannot be
    rebuilt from a join). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='append_new_columns',
        full_refresh=false,
        post_hook="
            update {{ this }} as history
            set delivery_status = receipts.delivery_status,
                delivery_status_at = receipts.delivery_status_at,
                delivery_error_code = receipts.error_code
            from {{ ref('int_delivery_receipts_latest') }} as receipts
            where history.send_key = receipts.send_key
                and history.queue_status = 'queued'
                and (history.delivery_status is null
                    or history.delivery_status <> receipts.delivery_status
                    or history.delivery_status_at <> receipts.delivery_status_at)
        ",
    )
}}

with

queue as (

    select * from {{ ref('activation_queue') }}
    where queue_status in ('queued', 'holdout')

),

receipts as (

    select * from {{ ref('int_delivery_receipts_latest') }}

),

final as (

    select
        queue.send_key,
        as_of_date,
        customer_id,
        audience_name,
        treatment_group,
        queue_status,
        reachable_channels as channels,
        offer_kind,
        offer_value,
        template_id,
        scheduled_send_at,
        -- from the receipts, for actions sent (a holdout's action is never sent)
        case when queue_status = 'queued' then receipts.delivery_status end as delivery_status,
        case when queue_status = 'queued' then receipts.delivery_status_at end as delivery_status_at,
        case when queue_status = 'queued' then receipts.error_code end as delivery_error_code
    from queue
    left join receipts
        on queue.send_key = receipts.send_key

)

select * from final
