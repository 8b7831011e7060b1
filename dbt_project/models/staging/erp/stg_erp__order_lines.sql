{#- One row per ERP order line (旺店通, 聚水潭 and YAML-mapped ERPs), from the newest file that
    lists the ERP order: ERP lines have no id of their own, so they are only comparable within
    one file (like the pre-2020 宝贝报表). -#}
with

source as (

    select * from {{ source('raw', 'erp_order_lines') }}

),

newest_file_per_order as (

    select
        *,
        {{ export_recency_rank('erp_system, erp_order_no', whole_file=true) }}
            as export_recency_rank
    from source

),

renamed as (

    select
        -- ids
        erp_system || ':' || erp_order_no || '-' || cast(
            row_number() over (
                partition by erp_system, erp_order_no, _source_file order by _source_line
            ) as {{ dbt.type_string() }}
        ) as erp_line_id,
        erp_system,
        erp_order_no,
        platform_order_id,
        platform_sub_order_id,
        customer_no as erp_customer_no,
        merchant_code,

        -- where the order came from: the platform, or the shop's own offline sale. 聚水潭 has no
        -- 订单来源; its shop names carry the platform (复购家居生活馆-淘宝)
        shop_name,
        order_source,
        case
            when lower(coalesce(order_source, shop_name)) like '%天猫%'
                or lower(coalesce(order_source, shop_name)) like '%tmall%'
                then 'tmall'
            when lower(coalesce(order_source, shop_name)) like '%淘宝%'
                or lower(coalesce(order_source, shop_name)) like '%taobao%'
                then 'taobao'
            when coalesce(order_source, shop_name) like '%抖音%'
                or coalesce(order_source, shop_name) like '%抖店%'
                or lower(coalesce(order_source, shop_name)) like '%douyin%'
                then 'douyin'
            when coalesce(order_source, shop_name) like '%线下%'
                or coalesce(order_source, shop_name) like '%门店%'
                or order_source like '%手工%' or platform_order_id is null
                then 'erp_offline'
        end as channel,

        -- buyer
        buyer_nick,
        platform_buyer_id,
        receiver_mobile_hmac,
        receiver_mobile_kind,
        receiver_name_hmac,
        {{ province_from_address('receiver_region') }} as receiver_province,
        nullif({{ dbt.split_part('receiver_region', "' '", 2) }}, '') as receiver_city,

        -- state
        order_status as order_status_text,
        {{ erp_order_state('order_status') }} as order_state,
        refund_status,

        -- product and money (CNY)
        product_name,
        quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        cast(coalesce(line_paid_amount, unit_price * quantity) as decimal(18, 2))
            as line_paid_amount,
        cast(order_paid_amount as decimal(18, 2)) as order_paid_amount,

        -- timestamps (Beijing wall time)
        traded_at,
        paid_at,
        shipped_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line,
        _exported_at as exported_at

    from newest_file_per_order
    where export_recency_rank = 1

)

select * from renamed
