{#- One row per customer: what their orders add up to by the as-of day.

    Repurchase is counted on distinct purchase days: a basket split into two orders on one day
    is one purchase occasion, not a repurchase. -#}
with

orders as {{ not_materialized() }} (

    select * from {{ ref('int_orders_joined_to_customers') }}
    where customer_id is not null

),

purchase_days as (

    select distinct
        customer_id,
        created_date
    from orders
    where is_purchase

),

first_purchase as (

    select
        customer_id,
        min(created_date) as first_purchase_date,
        cast(count(*) as integer) as purchase_day_count
    from purchase_days
    group by customer_id

),

second_purchase as (

    select
        purchase_days.customer_id,
        min(purchase_days.created_date) as second_purchase_date
    from purchase_days
    inner join first_purchase
        on purchase_days.customer_id = first_purchase.customer_id
        and purchase_days.created_date > first_purchase.first_purchase_date
    group by purchase_days.customer_id

),

aggregated as (

    select
        customer_id,
        cast(count(*) as integer) as order_count,
        cast(sum(case when is_purchase then 1 else 0 end) as integer) as purchase_count,
        min(created_at) as first_order_at,
        max(created_at) as last_order_at,
        min(case when is_purchase then created_at end) as first_purchase_at,
        max(case when is_purchase then created_at end) as last_purchase_at,
        max(case when is_purchase then created_date end) as last_purchase_date,
        cast(sum(paid_amount) as decimal(18, 2)) as paid_revenue_amount,
        cast(sum(refund_amount) as decimal(18, 2)) as refund_amount,
        cast(sum(net_revenue_amount) as decimal(18, 2)) as net_revenue_amount,
        cast(sum(case when is_purchase then net_revenue_amount else 0 end) as decimal(18, 2))
            as purchase_net_revenue_amount
    from orders
    group by customer_id

),

final as (

    select
        aggregated.*,
        cast(coalesce(first_purchase.purchase_day_count, 0) as integer) as purchase_day_count,
        first_purchase.first_purchase_date,
        second_purchase.second_purchase_date
    from aggregated
    left join first_purchase
        on aggregated.customer_id = first_purchase.customer_id
    left join second_purchase
        on aggregated.customer_id = second_purchase.customer_id

)

select * from final
