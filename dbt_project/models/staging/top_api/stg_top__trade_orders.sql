{#- One row per sub-order (TOP Order, `oid`) from the newest dump that has it. -#}
with

source as (

    select * from {{ source('raw', 'top_trade_orders') }}

),

ranked as (

    select
        *,
        {{ export_recency_rank('oid') }} as export_recency_rank
    from source

),

renamed as (

    select
        -- ids
        oid as order_line_id,
        tid as order_id,
        oid as sub_order_id,
        outer_iid as merchant_code,
        num_iid as item_id,
        sku_id,

        -- product as sold
        title,
        sku_properties_name as sku_properties,
        seller_type,

        -- amounts (CNY)
        cast(price as decimal(18, 2)) as unit_price,
        num as quantity,
        cast(coalesce(total_fee, price * num) as decimal(18, 2)) as line_goods_amount,
        cast(coalesce(divide_order_fee, payment) as decimal(18, 2)) as line_paid_amount,
        refund_status,

        -- lineage
        _source_file as source_file,
        _source_line as source_line,
        _exported_at as exported_at

    from ranked
    where export_recency_rank = 1

)

select * from renamed
