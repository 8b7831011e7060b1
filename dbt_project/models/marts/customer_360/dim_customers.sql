{#- One row per customer: the customer 360 that BI tools and audiences start from. Every
    customer the identity graph knows is here, buyers or not (a member or WeCom contact who has
    not ordered yet has order_count 0).

    Holds no name, phone or street address: only pseudonymous ids, regions and behaviour. -#}
with

everyone as (

    select distinct customer_id from {{ ref('int_identity_records') }}

),

customers as (

    select * from {{ ref('int_customer_orders_aggregated') }}

),

profiles as (

    select * from {{ ref('int_customer_profiles_survived') }}

),

categories as (

    select * from {{ ref('int_customer_preferred_categories') }}

),

rfm as (

    select * from {{ ref('customer_rfm') }}

),

ltv as (

    select * from {{ ref('customer_ltv') }}

),

identifiers as (

    select
        customer_id,
        cast(sum(case when identifier_type = 'taobao_nick' then 1 else 0 end) as integer)
            as taobao_nick_count,
        cast(sum(case when identifier_type = 'phone_hmac' then 1 else 0 end) as integer)
            as phone_count
    from {{ ref('int_identifiers_grouped_into_customers') }}
    group by customer_id

),

final as (

    select
        -- ids
        everyone.customer_id,

        -- profile, each field from its best source (int_customer_profiles_survived)
        profiles.preferred_nick,
        profiles.gender,
        profiles.birth_month,
        profiles.birth_day,
        profiles.age_band,
        profiles.province,
        profiles.city,

        -- orders
        customers.first_order_at,
        customers.last_order_at,
        customers.first_purchase_date,
        customers.last_purchase_date,
        cast(coalesce(customers.order_count, 0) as integer) as order_count,
        cast(coalesce(customers.purchase_count, 0) as integer) as purchase_count,
        cast(coalesce(customers.purchase_day_count, 0) as integer) as purchase_day_count,
        coalesce(customers.purchase_count > 1, false) as is_repeat_buyer,

        -- money (CNY)
        customers.paid_revenue_amount,
        customers.refund_amount,
        customers.net_revenue_amount,
        ltv.aov_amount,
        ltv.historical_ltv_amount,
        ltv.simple_clv_amount,

        -- preferences
        categories.preferred_category,

        -- RFM as of the as-of day
        rfm.recency_days,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_cell,
        rfm.rfm_group_code,
        rfm.rfm_group_cn,
        rfm.rfm_group_en,

        -- identity
        cast(coalesce(identifiers.taobao_nick_count, 0) as integer) as taobao_nick_count,
        cast(coalesce(identifiers.phone_count, 0) as integer) as phone_count,

        {{ as_of_date() }} as as_of_date

    from everyone
    left join customers
        on everyone.customer_id = customers.customer_id
    left join profiles
        on everyone.customer_id = profiles.customer_id
    left join categories
        on everyone.customer_id = categories.customer_id
    left join rfm
        on everyone.customer_id = rfm.customer_id
    left join ltv
        on everyone.customer_id = ltv.customer_id
    left join identifiers
        on everyone.customer_id = identifiers.customer_id

)

select * from final
