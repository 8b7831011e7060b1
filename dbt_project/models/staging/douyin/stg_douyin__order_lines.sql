{#- One row per 抖店 sub-order, from the newest export that has it. -#}
with

source as (

    select * from {{ source('raw', 'douyin_order_lines') }}

),

ranked as (

    select
        *,
        {{ export_recency_rank('sub_order_id') }} as export_recency_rank
    from source

),

renamed as (

    select
        -- ids
        sub_order_id as order_line_id,
        order_id,
        sub_order_id,
        merchant_code,
        item_id,

        -- buyer (receiver phone: a virtual number after Douyin's privacy change)
        receiver_mobile_hmac,
        receiver_mobile_kind,
        receiver_name_hmac,
        case
            when receiver_province in ('北京', '上海', '天津', '重庆') then receiver_province || '市'
            else receiver_province
        end as receiver_province,
        receiver_city,

        -- state
        order_status as order_status_text,
        -- 已关闭 after payment is a refunded order, before payment an unpaid one
        case
            when {{ erp_order_state('order_status') }} = 'closed_unpaid' and paid_at is not null
                then 'closed_refunded'
            else {{ erp_order_state('order_status') }}
        end as order_state,
        after_sale_status,

        -- product and money (CNY)
        title,
        quantity,
        cast(coalesce(goods_amount, order_payable_amount) as decimal(18, 2)) as line_goods_amount,
        cast(order_payable_amount as decimal(18, 2)) as line_paid_amount,
        cast(coalesce(postage_amount, 0) as decimal(18, 2)) as postage_amount,
        cast(coalesce(discount_amount, 0) as decimal(18, 2)) as discount_amount,

        -- livestream: the 达人 (host or creator) the sale came through
        host_id as livestream_host_id,
        host_nickname as livestream_host_nickname,
        ad_channel,

        -- timestamps (Beijing wall time)
        created_at,
        paid_at,
        shipped_at,
        finished_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line,
        _exported_at as exported_at

    from ranked
    where export_recency_rank = 1

)

select * from renamed
