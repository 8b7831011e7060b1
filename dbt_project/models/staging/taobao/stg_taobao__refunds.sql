{#- One row per refund request (退款报表), from the newest export that contains it: a request is
    exported again as it moves from asked to agreed to refunded or closed. -#}
with

source as (

    select * from {{ source('raw', 'taobao_refunds') }}

),

ranked as (

    select
        *,
        {{ export_recency_rank('refund_id') }} as export_recency_rank
    from source

),

renamed as (

    select
        -- ids
        refund_id,
        order_id,
        merchant_code,
        item_id,

        -- state: 退款状态 mirrors TOP's refund status enum (shared/formats 1.6, 2.3)
        refund_status as refund_status_text,
        case
            when refund_status = '退款成功' then 'succeeded'
            when refund_status = '退款关闭' then 'closed'
            when refund_status = '卖家拒绝退款' then 'rejected'
            when refund_status like '买家已经申请退款%' then 'requested'
            when refund_status like '卖家已经同意退款%' then 'awaiting_return'
            when refund_status like '买家已经退货%' then 'returned'
            else 'unknown'
        end as refund_state,
        case
            when refund_phase = '售中' then 'before_delivery'
            when refund_phase = '售后' then 'after_delivery'
            when after_sale_type = '仅退款' then 'refund_only'
            when after_sale_type = '退货退款' then 'return_and_refund'
        end as refund_kind,
        coalesce(return_required, false) as is_return_required,
        refund_scope = '全部退款' as is_full_refund,
        refund_reason,
        responsible_party,

        -- amounts (CNY)
        cast(coalesce(buyer_paid_amount, 0) as decimal(18, 2)) as order_paid_amount,
        cast(refund_amount as decimal(18, 2)) as refund_amount,

        -- timestamps (Beijing wall time)
        paid_at as order_paid_at,
        applied_at,
        refund_finished_at as finished_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line,
        _exported_at as exported_at

    from ranked
    where export_recency_rank = 1

)

select * from renamed
