{#- One row per order created up to the as-of day, with its customer, state and money. -#}
with

orders as (

    select * from {{ ref('int_orders_joined_to_customers') }}

),

final as (

    select
        -- ids
        order_id,
        customer_id,
        channel,
        source_system,
        shop_id,

        -- state
        order_state,
        order_status_text,
        is_purchase,
        purchase_sequence_number,

        -- amounts (CNY)
        goods_amount,
        postage_amount,
        coupon_amount,
        paid_amount,
        refund_amount,
        net_revenue_amount,

        -- order facts
        item_quantity,
        is_mobile_order,
        is_presale,
        receiver_province as province,
        receiver_city as city,

        -- timestamps (Beijing wall time)
        created_at,
        created_date,
        paid_at,
        shipped_at,
        confirmed_at

    from orders

)

select * from final
