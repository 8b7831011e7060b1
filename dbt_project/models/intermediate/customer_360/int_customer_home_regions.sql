{#- One row per customer: the province and city they most often ship to (ties go to the region
    of their latest order). Only regions leave this model, never a street address. -#}
with

orders as (

    select * from {{ ref('int_orders_joined_to_customers') }}
    where customer_id is not null and receiver_province is not null

),

region_counts as (

    select
        customer_id,
        receiver_province,
        receiver_city,
        count(*) as order_count,
        max(created_at) as last_order_at,
        max(order_id) as last_order_id
    from orders
    group by customer_id, receiver_province, receiver_city

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by order_count desc, last_order_at desc, last_order_id desc
        ) as region_rank
    from region_counts

)

select
    customer_id,
    receiver_province as province,
    receiver_city as city
from ranked
where region_rank = 1
