{#- One row per refund from the TOP API (`taobao.refunds.receive.get`), newest `modified` first.
    States use the same names as the back office's 退款报表 (stg_taobao__refunds). -#}
with

source as (

    select * from {{ source('raw', 'top_refunds') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by refund_id
            order by modified_at desc nulls last, _exported_at desc nulls last,
                _source_file desc, _source_line desc
        ) as recency_rank
    from source

),

renamed as (

    select
        -- ids
        refund_id,
        tid as order_id,
        oid as sub_order_id,
        outer_id as merchant_code,
        num_iid as item_id,

        -- state
        status as refund_status_text,
        case status
            when 'SUCCESS' then 'succeeded'
            when 'CLOSED' then 'closed'
            when 'SELLER_REFUSE_BUYER' then 'rejected'
            when 'WAIT_SELLER_AGREE' then 'requested'
            when 'WAIT_BUYER_RETURN_GOODS' then 'awaiting_return'
            when 'WAIT_SELLER_CONFIRM_GOODS' then 'returned'
            else 'unknown'
        end as refund_state,
        case refund_phase
            when 'onsale' then 'before_delivery'
            when 'aftersale' then 'after_delivery'
        end as refund_kind,
        coalesce(has_good_return, false) as is_return_required,
        reason as refund_reason,

        -- amounts (CNY)
        cast(coalesce(payment, 0) as decimal(18, 2)) as order_paid_amount,
        cast(refund_fee as decimal(18, 2)) as refund_amount,

        -- timestamps (Beijing wall time)
        created_at as applied_at,
        case when status = 'SUCCESS' then modified_at end as finished_at,
        modified_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line,
        _exported_at as exported_at

    from ranked
    where recency_rank = 1

)

select * from renamed
