{#- One row per customer and day they bought something (a purchase occasion), numbered, with the
    days since their previous one. Taobao buyers split one basket into several orders, so a day is
    the unit of repurchase: the shop's usual repurchase interval, lifecycle stages and the
    inter-purchase interval marts all read this one model. -#}
with

orders as (

    select * from {{ ref('int_orders_joined_to_customers') }}
    where customer_id is not null and is_purchase

),

purchase_days as (

    select
        customer_id,
        created_date as purchase_date,
        cast(count(*) as integer) as order_count,
        cast(sum(net_revenue_amount) as decimal(18, 2)) as net_revenue_amount
    from orders
    group by customer_id, created_date

),

sequenced as (

    select
        customer_id,
        purchase_date,
        order_count,
        net_revenue_amount,
        cast(row_number() over (
            partition by customer_id order by purchase_date
        ) as integer) as purchase_day_number,
        lag(purchase_date) over (
            partition by customer_id order by purchase_date
        ) as previous_purchase_date
    from purchase_days

),

final as (

    select
        *,
        cast({{ dbt.datediff('previous_purchase_date', 'purchase_date', 'day') }} as integer)
            as days_since_previous_purchase
    from sequenced

)

select * from final
