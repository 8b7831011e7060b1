{#- One row per merchant code (商家编码), from the newest product list that has it. -#}
with

source as (

    select * from {{ source('raw', 'erp_products') }}

),

ranked as (

    select
        *,
        {{ export_recency_rank('merchant_code') }} as export_recency_rank
    from source

),

renamed as (

    select
        -- ids
        merchant_code,
        goods_no,

        -- descriptive
        product_name,
        category as category_name,
        brand as brand_name,

        -- prices (CNY)
        cast(list_price as decimal(18, 2)) as list_price,
        cast(cost_price as decimal(18, 2)) as cost_price

    from ranked
    where export_recency_rank = 1

)

select * from renamed
