{#- One row per customer (buyer or not) with their lifecycle stage as of the as-of day.

    First match wins, thresholds in dbt_project.yml (lifecycle_*):
    - potential: known (member, follower, WeCom contact) but no purchase yet;
    - churned: no purchase for longer than churn_after_days;
    - silent: no purchase for longer than silent_after_days (the shop's usual repurchase interval);
    - new: 1 to lifecycle_new_max_purchases purchase days;
    - loyal: at least lifecycle_loyal_min_purchases purchase days over at least
      lifecycle_loyal_min_tenure_days since the first;
    - active: everyone else, buying within the shop's rhythm.
    Purchases are purchase days: a basket split into several orders on one day is one. -#}
with

customers as (

    select * from {{ ref('dim_customers') }}

),

rhythm as (

    select * from {{ ref('int_shop_repurchase_rhythm') }}

),

measured as (

    select
        customers.customer_id,
        customers.purchase_day_count,
        customers.first_purchase_date,
        customers.last_purchase_date,
        cast({{ dbt.datediff('customers.last_purchase_date', as_of_date(), 'day') }} as integer)
            as days_since_last_purchase,
        cast({{ dbt.datediff('customers.first_purchase_date', as_of_date(), 'day') }} as integer)
            as tenure_days,
        rhythm.silent_after_days,
        rhythm.churn_after_days
    from customers
    cross join rhythm

),

staged as (

    select
        *,
        case
            when purchase_day_count = 0 then 'potential'
            when days_since_last_purchase > churn_after_days then 'churned'
            when days_since_last_purchase > silent_after_days then 'silent'
            when purchase_day_count <= {{ var('lifecycle_new_max_purchases') }} then 'new'
            when purchase_day_count >= {{ var('lifecycle_loyal_min_purchases') }}
                and tenure_days >= {{ var('lifecycle_loyal_min_tenure_days') }} then 'loyal'
            else 'active'
        end as lifecycle_stage
    from measured

),

final as (

    select
        customer_id,
        {{ as_of_date() }} as as_of_date,
        lifecycle_stage,
        case lifecycle_stage
            when 'potential' then '潜在客户'
            when 'new' then '新客户'
            when 'active' then '活跃客户'
            when 'loyal' then '忠诚客户'
            when 'silent' then '沉默客户'
            when 'churned' then '流失客户'
        end as lifecycle_stage_cn,
        purchase_day_count,
        first_purchase_date,
        last_purchase_date,
        days_since_last_purchase,
        tenure_days,
        silent_after_days,
        churn_after_days
    from staged

)

select * from final
