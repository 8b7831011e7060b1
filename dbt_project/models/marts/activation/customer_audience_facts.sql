{#- One row per customer with every fact an audience rule (var audiences) may test: segments,
    recency, value, membership, predictions, churn reasons, replenishment, the next product and where the
    customer can be reached. Reads the prediction tables (marts the Python assets write), so it
    builds in the activation step, after them. -#}
with

customers as (

    select * from {{ ref('dim_customers') }}

),

rfm as (

    select * from {{ ref('customer_rfm') }}

),

lifecycle as (

    select * from {{ ref('customer_lifecycle') }}

),

predictions as (

    select * from {{ source('predictions', 'customer_predictions') }}

),

churn_reasons as (

    select customer_id, churn_status, churn_reason, churn_reason_score
    from {{ ref('customer_churn_reasons') }}

),

social as (

    select * from {{ ref('customer_social_profile') }}

),

members as (

    {{ latest_member_per_customer(['member_tier', 'points_balance', 'joined_date', 'next_member_tier', 'next_tier_gap', 'is_near_next_tier', 'tier_change_tonight', 'points_expiring_30d', 'next_expiry_date']) }}

),

replenishment as (

    select
        customer_id,
        cast(sum(case when replenishment_status = 'due' then 1 else 0 end) as integer) as due_count,
        cast(sum(case when replenishment_status = 'overdue' then 1 else 0 end) as integer) as overdue_count
    from {{ ref('customer_replenishment_due') }}
    group by customer_id

),

next_products as (

    select customer_id, merchant_code, product_name, is_personalised
    from {{ source('cross_sell', 'customer_next_products') }}
    where recommendation_rank = 1

),

last_orders as (

    -- the newest purchase and where its delivery stands (the new-customer journey)
    select
        customer_id,
        paid_date,
        received_date,
        received_signal,
        row_number() over (
            partition by customer_id order by paid_date desc, order_id desc
        ) as order_rank
    from {{ ref('order_deliveries') }}

),

product_first_sales as (

    select
        merchant_code,
        min(product_name) as product_name,
        min(category_name) as category_name,
        min(created_date) as first_sold_date,
        count(distinct customer_id) as buyer_count
    from {{ ref('int_order_lines_joined_to_products') }}
    where is_purchase and merchant_code is not null and created_date <= {{ as_of_date() }}
    group by merchant_code

),

new_arrivals as (

    -- products first sold in the last var new_arrival_days days
    select * from product_first_sales
    where category_name is not null
        and first_sold_date > {{ dbt.dateadd('day', -1 * var('new_arrival_days'), as_of_date()) }}

),

bought as (

    select distinct customer_id, merchant_code
    from {{ ref('int_order_lines_joined_to_products') }}
    where merchant_code in (select merchant_code from new_arrivals)

),

customer_new_arrivals as (

    -- new arrivals in the customer's preferred category they have not bought, the most bought
    -- first
    select
        customers.customer_id,
        new_arrivals.merchant_code,
        new_arrivals.product_name,
        count(*) over (partition by customers.customer_id) as new_arrival_count,
        row_number() over (
            partition by customers.customer_id
            order by new_arrivals.buyer_count desc, new_arrivals.merchant_code
        ) as arrival_rank
    from customers
    inner join new_arrivals
        on customers.preferred_category = new_arrivals.category_name
    left join bought
        on customers.customer_id = bought.customer_id
        and new_arrivals.merchant_code = bought.merchant_code
    where bought.customer_id is null

),

anniversaries as (

    -- the next joining anniversary on or after the as-of day (29 February: 28 February in
    -- other years)
    select
        customer_id,
        joined_date,
        cast({{ dbt.datediff('joined_date', as_of_date(), 'day') }} as integer) as member_tenure_days,
        {{ next_anniversary('joined_date') }} as next_anniversary_date
    from members

),

final as (

    select
        customers.customer_id,
        -- segments
        rfm.rfm_group_code,
        rfm.rfm_group_cn,
        rfm.rfm_group_en,
        rfm.rfm_segment_en,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        lifecycle.lifecycle_stage,
        -- recency and value
        lifecycle.days_since_last_purchase,
        customers.first_purchase_date,
        customers.last_purchase_date,
        customers.purchase_day_count,
        customers.net_revenue_amount,
        customers.aov_amount,
        customers.preferred_category,
        -- the newest purchase's delivery (order_deliveries says which signal dated it)
        cast({{ dbt.datediff('last_orders.paid_date', as_of_date(), 'day') }} as integer)
            as days_since_last_order_paid,
        case when last_orders.received_date <= {{ as_of_date() }}
            then cast({{ dbt.datediff('last_orders.received_date', as_of_date(), 'day') }} as integer)
        end as days_since_last_order_received,
        last_orders.received_signal as last_order_received_signal,
        -- new arrivals in the preferred category
        coalesce(cast(customer_new_arrivals.new_arrival_count as integer), 0) as new_arrival_count,
        customer_new_arrivals.merchant_code as new_arrival_product_code,
        customer_new_arrivals.product_name as new_arrival_product_name,
        -- membership
        members.member_tier,
        members.points_balance,
        members.next_member_tier,
        members.next_tier_gap,
        coalesce(members.is_near_next_tier, false) as is_near_next_tier,
        members.tier_change_tonight,
        coalesce(members.points_expiring_30d, 0) as points_expiring_30d,
        members.next_expiry_date as next_points_expiry_date,
        members.joined_date as member_joined_date,
        anniversaries.member_tenure_days,
        cast({{ dbt.datediff(as_of_date(), 'anniversaries.next_anniversary_date', 'day') }} as integer)
            as days_to_member_anniversary,
        customers.birth_month,
        customers.birth_day,
        -- predictions
        predictions.p_alive,
        predictions.churn_probability,
        predictions.churn_risk_band,
        predictions.clv_12m_amount,
        predictions.expected_next_purchase_date,
        -- why they are leaving (customer_churn_reasons; null while not at risk)
        churn_reasons.churn_status,
        churn_reasons.churn_reason,
        churn_reasons.churn_reason_score,
        coalesce(replenishment.due_count, 0) as replenishment_due_count,
        coalesce(replenishment.overdue_count, 0) as replenishment_overdue_count,
        next_products.merchant_code as next_product_code,
        next_products.product_name as next_product_name,
        coalesce(next_products.is_personalised, false) as next_product_is_personalised,
        -- reachability
        customers.phone_count > 0 as has_mobile,
        customers.taobao_nick_count > 0 as has_taobao_nick,
        coalesce(social.is_wecom_contact, false) as is_wecom_contact,
        coalesce(social.is_wechat_follower, false) as is_wechat_follower,
        -- the day, for rules on dates
        cast({{ dbt.date_trunc('month', as_of_date()) }} as date) as as_of_month_start_date,
        cast({{ as_of_date_value().month }} as integer) as as_of_month,
        {{ as_of_date() }} as as_of_date
    from customers
    left join rfm
        on customers.customer_id = rfm.customer_id
    left join lifecycle
        on customers.customer_id = lifecycle.customer_id
    left join predictions
        on customers.customer_id = predictions.customer_id
    left join churn_reasons
        on customers.customer_id = churn_reasons.customer_id
    left join social
        on customers.customer_id = social.customer_id
    left join members
        on customers.customer_id = members.customer_id
    left join anniversaries
        on customers.customer_id = anniversaries.customer_id
    left join replenishment
        on customers.customer_id = replenishment.customer_id
    left join next_products
        on customers.customer_id = next_products.customer_id
    left join last_orders
        on customers.customer_id = last_orders.customer_id
        and last_orders.order_rank = 1
    left join customer_new_arrivals
        on customers.customer_id = customer_new_arrivals.customer_id
        and customer_new_arrivals.arrival_rank = 1

)

select * from final
