{#- One row per customer with every fact an audience rule (var audiences) may test: segments,
    recency, value, membership, predictions, replenishment, the next product and where the
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

social as (

    select * from {{ ref('customer_social_profile') }}

),

members as (

    {{ latest_member_per_customer(['member_tier', 'points_balance', 'joined_date']) }}

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

    select customer_id, merchant_code, product_name, is_from_pairs
    from {{ ref('customer_next_products') }}
    where recommendation_rank = 1

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
        -- membership
        members.member_tier,
        members.points_balance,
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
        coalesce(replenishment.due_count, 0) as replenishment_due_count,
        coalesce(replenishment.overdue_count, 0) as replenishment_overdue_count,
        next_products.merchant_code as next_product_code,
        next_products.product_name as next_product_name,
        coalesce(next_products.is_from_pairs, false) as next_product_is_from_pairs,
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

)

select * from final
