{#- One row per refund request across the back office's 退款报表 and the TOP API, from the most
    recent observation (the API wins a tie). -#}
with

exported as (

    select * from {{ ref('stg_taobao__refunds') }}

),

api as (

    select * from {{ ref('stg_top__refunds') }}

),

observations as (

    select
        refund_id,
        order_id,
        'taobao_export' as source_system,
        merchant_code,
        item_id,
        refund_state,
        refund_status_text,
        refund_kind,
        is_full_refund,
        is_return_required,
        refund_reason,
        responsible_party,
        refund_amount,
        order_paid_amount,
        applied_at,
        finished_at,
        exported_at
    from exported

    union all

    select
        refund_id,
        order_id,
        'top_api' as source_system,
        merchant_code,
        item_id,
        refund_state,
        refund_status_text,
        refund_kind,
        -- TOP has no 全部/部分 flag: a refund of everything the buyer paid is a full one
        refund_amount >= order_paid_amount and order_paid_amount > 0 as is_full_refund,
        is_return_required,
        refund_reason,
        cast(null as {{ dbt.type_string() }}) as responsible_party,
        refund_amount,
        order_paid_amount,
        applied_at,
        finished_at,
        exported_at
    from api

),

ranked as (

    select
        *,
        row_number() over (
            partition by refund_id
            order by exported_at desc nulls last, case when source_system = 'top_api' then 0 else 1 end
        ) as observation_rank
    from observations

)

select
    refund_id,
    order_id,
    source_system,
    merchant_code,
    item_id,
    refund_state,
    refund_status_text,
    refund_kind,
    is_full_refund,
    is_return_required,
    refund_reason,
    responsible_party,
    refund_amount,
    order_paid_amount,
    applied_at,
    finished_at
from ranked
where observation_rank = 1
