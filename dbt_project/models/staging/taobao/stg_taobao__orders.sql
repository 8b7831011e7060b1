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

-- A later export can drop who bought (the 2023 workbook's 订单报表 sheet has no buyer columns),
-- so identifiers come from any copy of the order. One order has one buyer and one receiver
-- phone in every copy that shows them, so max() just picks the non-null one.
known_identifiers as (

    select
        order_id,
        max(buyer_nick) as buyer_nick,
        max(buyer_member_nickname) as buyer_member_nickname,
        max(receiver_mobile_hmac) as receiver_mobile_hmac,
        max(receiver_mobile_kind) as receiver_mobile_kind,
        max(receiver_landline_hmac) as receiver_landline_hmac,
        max(alipay_account_hmac) as alipay_account_hmac,
        max(receiver_name_hmac) as receiver_name_hmac
    from source
    group by order_id

),

renamed as (

    select
        -- ids
        ranked.order_id,
        shop_id,
        shop_name,
        known_identifiers.buyer_nick,
        known_identifiers.buyer_member_nickname,

        -- pseudonymised identifiers
        known_identifiers.receiver_mobile_hmac,
        known_identifiers.receiver_mobile_kind,
        known_identifiers.receiver_landline_hmac,
        known_identifiers.alipay_account_hmac,
        known_identifiers.receiver_name_hmac,

        -- state
        order_status as order_status_text,
        close_reason,
        {{ taobao_order_state('order_status', 'paid_at', 'close_reason') }} as order_state,

        -- amounts (CNY)
        cast(coalesce(goods_payable_amount, 0) as decimal(18, 2)) as goods_amount,
        cast(coalesce(postage_payable_amount, 0) as decimal(18, 2)) as postage_amount,
        cast(coalesce(tmall_coupon_amount, 0) as decimal(18, 2)) as coupon_amount,
        -- null in the 2023+ workbook's 订单报表 sheet, which has no paid amount (its sub-orders do)
        cast(buyer_paid_amount as decimal(18, 2)) as buyer_paid_amount,
        cast(coalesce(refund_amount, 0) as decimal(18, 2)) as export_refund_amount,

        -- address: 省 市 区 详细地址(邮编); only the regions leave staging, never the street
        {{ province_from_address('receiver_region') }} as receiver_province,
        nullif({{ dbt.split_part('receiver_region', "' '", 2) }}, '') as receiver_city,
        nullif({{ dbt.split_part('receiver_region', "' '", 3) }}, '') as receiver_district,

        -- order facts
        item_quantity,
        item_kind_count,
        coalesce(is_mobile_order, false) as is_mobile_order,
        -- 预售 (deposit now, balance later): the newest exports say so (预售订单 是), older ones
        -- only fill 分阶段订单信息 for staged payments
        coalesce(presale_flag = '是', false)
            or coalesce(trim(stage_info) <> '', false) as is_presale,

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
    inner join known_identifiers
        on ranked.order_id = known_identifiers.order_id
    where ranked.export_recency_rank = 1

)

select * from renamed
