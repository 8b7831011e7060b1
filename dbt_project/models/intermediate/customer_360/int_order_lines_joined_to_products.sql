{#- Order lines with their product category and the order's customer and state.

    Lines exported before 2020 carry no paid amount of their own; they get the order's paid
    amount shared in proportion to their goods value (flagged is_paid_amount_allocated). -#}
with

lines as {{ not_materialized() }} (

    select * from {{ ref('int_order_lines_unioned') }}

),

orders as (

    select * from {{ ref('int_orders_joined_to_customers') }}

),

products as (

    select * from {{ ref('stg_erp__products') }}

),

order_goods as (

    select
        order_id,
        sum(line_goods_amount) as order_line_goods_amount
    from lines
    group by order_id

),

joined as (

    select
        lines.order_line_id,
        lines.order_id,
        orders.customer_id,
        orders.order_state,
        orders.is_purchase,
        orders.created_at,
        orders.created_date,
        lines.merchant_code,
        lines.item_id,
        lines.title,
        coalesce(products.product_name, lines.title) as product_name,
        coalesce(products.category_name, 'unknown') as category_name,
        lines.unit_price,
        lines.quantity,
        lines.line_goods_amount,
        lines.line_paid_amount is null as is_paid_amount_allocated,
        cast(
            coalesce(
                lines.line_paid_amount,
                case when order_goods.order_line_goods_amount > 0
                    then greatest(orders.paid_amount - orders.postage_amount, 0)
                        * lines.line_goods_amount / order_goods.order_line_goods_amount
                    else 0
                end
            )
            as decimal(18, 2)
        ) as line_paid_amount,
        lines.line_refund_amount,
        products.cost_price
    from lines
    inner join orders
        on lines.order_id = orders.order_id
    left join order_goods
        on lines.order_id = order_goods.order_id
    left join products
        on lines.merchant_code = products.merchant_code

)

select * from joined
