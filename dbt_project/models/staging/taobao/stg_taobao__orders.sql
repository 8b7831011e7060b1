{#- One row per Taobao order, from the newest export that contains it: exports overlap, and a
    later export shows the order's later state (paid → shipped → completed or closed). -#}
with

source as (

    select * from {{ source('raw', 'taobao_orders') }}

),

ranked as (

    select
        *,
        {{ export_recency_rank('order_id') }} as export_recency_rank
    from source

),

renamed as (

    select
        -- ids
        order_id,
        shop_id,
        shop_name,
        buyer_nick,
        buyer_member_nickname,

        -- pseudonymised identifiers
        receiver_mobile_hmac,
        receiver_mobile_kind,
        receiver_landline_hmac,
        alipay_account_hmac,
        receiver_name_hmac,

        -- state
        order_status as order_status_text,
        close_reason,
        {{ taobao_order_state('order_status', 'paid_at', 'close_reason') }} as order_state,

        -- amounts (CNY)
        cast(coalesce(goods_payable_amount, 0) as decimal(18, 2)) as goods_amount,
        cast(coalesce(postage_payable_amount, 0) as decimal(18, 2)) as postage_amount,
        cast(coalesce(tmall_coupon_amount, 0) as decimal(18, 2)) as coupon_amount,
        cast(coalesce(buyer_paid_amount, 0) as decimal(18, 2)) as buyer_paid_amount,
        cast(coalesce(refund_amount, 0) as decimal(18, 2)) as export_refund_amount,

        -- address: 省 市 区 详细地址(邮编); only the regions leave staging, never the street
        {{ province_from_address('receiver_address') }} as receiver_province,
        nullif({{ dbt.split_part('receiver_address', "' '", 2) }}, '') as receiver_city,
        nullif({{ dbt.split_part('receiver_address', "' '", 3) }}, '') as receiver_district,

        -- order facts
        item_quantity,
        item_kind_count,
        coalesce(is_mobile_order, false) as is_mobile_order,

        -- timestamps (Beijing wall time)
        created_at,
        paid_at,
        shipped_at,
        confirmed_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line,
        _exported_at as exported_at

    from ranked
    where export_recency_rank = 1

)

select * from renamed
