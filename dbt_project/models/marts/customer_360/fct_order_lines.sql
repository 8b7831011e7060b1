{#- One row per order line of an order created up to the as-of day. -#}
with

lines as (

    select * from {{ ref('int_order_lines_joined_to_products') }}

),

final as (

    select
        -- ids
        order_line_id,
        order_id,
        customer_id,
        merchant_code,
        item_id,

        -- product
        product_name,
        category_name,

        -- state
        order_state,
        is_purchase,

        -- amounts (CNY)
        unit_price,
        quantity,
        line_goods_amount,
        line_paid_amount,
        is_paid_amount_allocated,
        line_refund_amount,

        -- timestamps (Beijing wall time)
        created_at,
        created_date

    from lines

)

select * from final
