{#- One row per purchasing customer: the product category they spent most on (net of refunds),
    ties broken by quantity and then by name so the answer never depends on row order. -#}
with

lines as (

    select * from {{ ref('int_order_lines_joined_to_products') }}
    where is_purchase and customer_id is not null

),

category_spend as (

    select
        customer_id,
        category_name,
        sum(line_paid_amount - line_refund_amount) as net_spend_amount,
        sum(quantity) as quantity
    from lines
    group by customer_id, category_name

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by net_spend_amount desc, quantity desc, category_name
        ) as category_rank
    from category_spend

)

select
    customer_id,
    category_name as preferred_category
from ranked
where category_rank = 1
