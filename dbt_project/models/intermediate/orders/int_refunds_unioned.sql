{#- One row per refund request across the back office's 退款报表, the TOP API and, for orders
    only the ERP has, the ERP's after-sales cases; from the most recent observation (the API wins
    a tie). -#}
with

exported as (

    select * from {{ ref('stg_taobao__refunds') }}

),

api as (

    select * from {{ ref('stg_top__refunds') }}

),

erp_after_sales as (

    select * from {{ ref('stg_erp__after_sales') }}

),

erp_only_orders as (

    select
        erp.order_id,
        erp.erp_order_no,
        erp.platform_order_id,
        erp.paid_amount
    from {{ ref('int_erp_orders') }} as erp
    where erp.order_id in (
        select order_id from {{ ref('int_orders_unioned') }} where source_system = 'erp'
    )

),

-- An after-sales case names its ERP order, or only the platform order (equality joins both,
-- so they hash rather than loop).
erp_after_sales_matched as (

    select erp_after_sales.*, erp_after_sales.erp_order_no as matched_erp_order_no
    from erp_after_sales
    where erp_after_sales.erp_order_no is not null

    union all

    select erp_after_sales.*, erp_only_orders.erp_order_no as matched_erp_order_no
    from erp_after_sales
    inner join erp_only_orders
        on erp_after_sales.platform_order_id = erp_only_orders.platform_order_id
    where erp_after_sales.erp_order_no is null

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

    union all

    -- The ERP's after-sales cases with money back, for orders only the ERP has: the platforms'
    -- own refund records cover the rest.
    select
        'ERP-' || erp_after_sales.after_sales_no as refund_id,
        erp_only_orders.order_id,
        'erp' as source_system,
        erp_after_sales.merchant_code,
        cast(null as {{ dbt.type_string() }}) as item_id,
        erp_after_sales.refund_state,
        erp_after_sales.after_sales_status_text as refund_status_text,
        case
            when erp_after_sales.after_sales_type like '%退货%' then 'return_and_refund'
            when erp_after_sales.after_sales_type like '%退款%' then 'refund_only'
        end as refund_kind,
        erp_after_sales.refund_amount >= erp_only_orders.paid_amount as is_full_refund,
        coalesce(erp_after_sales.after_sales_type like '%退货%', false) as is_return_required,
        erp_after_sales.refund_reason,
        cast(null as {{ dbt.type_string() }}) as responsible_party,
        erp_after_sales.refund_amount,
        cast(erp_only_orders.paid_amount as decimal(18, 2)) as order_paid_amount,
        erp_after_sales.applied_at,
        erp_after_sales.finished_at,
        erp_after_sales.exported_at
    from erp_after_sales_matched as erp_after_sales
    inner join erp_only_orders
        on erp_after_sales.matched_erp_order_no = erp_only_orders.erp_order_no
    where erp_after_sales.refund_amount > 0

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
