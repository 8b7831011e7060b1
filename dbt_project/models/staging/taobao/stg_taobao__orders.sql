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
-- and a buyer can change the receiving phone and name before the order ships, so each identifier
-- comes from the newest copy of the order that shows it.
-- (The mobile's kind goes with the mobile.)
{%- set identifier_columns = [
    'buyer_nick', 'buyer_member_nickname', 'receiver_mobile_hmac', 'receiver_landline_hmac',
    'alipay_account_hmac', 'receiver_name_hmac'] %}
newest_showing as (

    select
        order_id,
        export_recency_rank,
        receiver_mobile_kind,
        {%- for column in identifier_columns %}
        {{ column }},
        min(case when {{ column }} is not null then export_recency_rank end)
            over (partition by order_id) as {{ column }}_rank{{ ',' if not loop.last }}
        {%- endfor %}
    from ranked

),

known_identifiers as (

    select
        order_id,
        max(case when export_recency_rank = receiver_mobile_hmac_rank then receiver_mobile_kind end)
            as receiver_mobile_kind,
        {%- for column in identifier_columns %}
        max(case when export_recency_rank = {{ column }}_rank then {{ column }} end)
            as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from newest_showing
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
