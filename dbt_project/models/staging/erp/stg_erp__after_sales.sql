{#- One row per ERP after-sales case (退换单 / 售后单), from the newest export that lists it. -#}
with

source as (

    select * from {{ source('raw', 'erp_after_sales') }}

),

ranked as (

    select
        *,
        {{ export_recency_rank('after_sales_no') }} as export_recency_rank
    from source

),

renamed as (

    select
        -- ids
        after_sales_no,
        erp_order_no,
        platform_order_id,
        merchant_code,
        buyer_nick,

        -- what happened
        after_sales_type,
        status as after_sales_status_text,
        case
            when status in ('已完成', '完成', '已退款', '退款成功') then 'succeeded'
            when status in ('已取消', '已作废', '已关闭', '拒绝') then 'closed'
            else 'requested'
        end as refund_state,
        reason as refund_reason,
        quantity,
        cast(coalesce(refund_amount, 0) as decimal(18, 2)) as refund_amount,

        -- timestamps (Beijing wall time)
        created_at as applied_at,
        finished_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line,
        _exported_at as exported_at

    from ranked
    where export_recency_rank = 1

)

select * from renamed
