{#- One row per segment type (member_tier, rfm_group, lifecycle_stage) and segment: customers in it
    today and the net revenue they brought in the last var revenue_share_window_days days, with its
    share of the shop's. Which tiers and groups carry the shop. Customers outside any member tier
    count as '(not a member)'. -#}
with

orders as (

    select * from {{ ref('int_orders_joined_to_customers') }}
    where is_purchase and customer_id is not null
      and created_date > cast({{ dbt.dateadd('day', -var('revenue_share_window_days'), as_of_date()) }} as date)

),

customers as (

    select * from {{ ref('dim_customers') }}

),

lifecycle as (

    select * from {{ ref('customer_lifecycle') }}

),

tiers as (

    select customer_id, tag_value as member_tier
    from {{ ref('customer_tags') }}
    where tag = 'member_tier'

),

revenue as (

    select customer_id, sum(net_revenue_amount) as net_revenue_amount
    from orders
    group by customer_id

),

segmented as (

    select
        customers.customer_id,
        coalesce(tiers.member_tier, '(not a member)') as member_tier,
        coalesce(customers.rfm_group_cn, '(no purchase)') as rfm_group,
        lifecycle.lifecycle_stage,
        coalesce(revenue.net_revenue_amount, 0) as net_revenue_amount
    from customers
    inner join lifecycle
        on customers.customer_id = lifecycle.customer_id
    left join tiers
        on customers.customer_id = tiers.customer_id
    left join revenue
        on customers.customer_id = revenue.customer_id

),

long as (

    select 'member_tier' as segment_type, member_tier as segment, customer_id, net_revenue_amount
    from segmented
    union all
    select 'rfm_group', rfm_group, customer_id, net_revenue_amount
    from segmented
    union all
    select 'lifecycle_stage', lifecycle_stage, customer_id, net_revenue_amount
    from segmented

),

counted as (

    select
        segment_type,
        segment,
        cast(count(*) as integer) as customer_count,
        cast(sum(net_revenue_amount) as decimal(18, 2)) as net_revenue_amount
    from long
    group by segment_type, segment

),

final as (

    select
        segment_type,
        segment,
        customer_count,
        net_revenue_amount,
        cast(
            net_revenue_amount / nullif(sum(net_revenue_amount) over (partition by segment_type), 0)
            as decimal(9, 4)
        ) as revenue_share,
        {{ var('revenue_share_window_days') }} as window_days,
        {{ as_of_date() }} as as_of_date
    from counted

)

select * from final
