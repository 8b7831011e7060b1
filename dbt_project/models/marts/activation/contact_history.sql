{#- Every action ever queued, one row per send key (audience + customer + night): queued ones
    the outbox sends, holdout ones recorded the same way and never sent. The cooldowns and
    frequency caps of later nights read it. Incremental by night: a rerun replaces that night's
    rows, so a night queues nothing twice. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='fail',
        full_refresh=false,
    )
}}

with

queue as (

    select * from {{ ref('activation_queue') }}
    where queue_status in ('queued', 'holdout')

),

final as (

    select
        send_key,
        as_of_date,
        customer_id,
        audience_name,
        treatment_group,
        queue_status,
        reachable_channels as channels,
        offer_kind,
        offer_value,
        template_id,
        scheduled_send_at
    from queue

)

select * from final
