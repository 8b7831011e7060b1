{#- One row per customer and tag that applies to them tonight, with since when (the first run in
    a row that gave them this tag with this value). The tags are the rules of var
    customer_tag_rules (dbt_project.yml), compiled to SQL by the customer_tag_rules macro over one
    row of facts per customer; a new tag is one entry there.

    Incremental: each run replaces every current customer's rows, reading the last run's own rows
    for `since_date`, and a post-hook drops the rows of ids that no longer name a customer (merged
    away). A full refresh would forget every since date, so it is refused. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='customer_id',
        on_schema_change='fail',
        full_refresh=false,
        post_hook=[
            "delete from {{ this }} where customer_id not in"
            " (select customer_id from {{ ref('dim_customers') }})"
        ],
    )
}}

with

customers as (

    select * from {{ ref('dim_customers') }}

),

habits as (

    select * from {{ ref('int_customer_purchase_habits') }}

),

lifecycle as (

    select * from {{ ref('customer_lifecycle') }}

),

rfm as (

    select * from {{ ref('customer_rfm') }}

),

city_tiers as (

    select * from {{ ref('city_tiers') }}

),

member_tiers as (

    {{ latest_member_per_customer(['member_tier']) }}

),

purchase_lines as (

    select customer_id, product_name
    from {{ ref('int_order_lines_joined_to_products') }}
    where customer_id is not null and is_purchase

),

facts as (

    -- what the rules may read, one row per customer
    select
        customers.customer_id,
        customers.province,
        customers.city,
        case
            when customers.city is null then null
            else coalesce(city_tiers.city_tier, '三线及以下')
        end as city_tier,
        customers.gender,
        customers.age_band,
        customers.preferred_category,
        customers.purchase_count,
        customers.purchase_day_count,
        customers.net_revenue_amount,
        customers.aov_amount,
        habits.discount_share,
        habits.price_index,
        habits.promotion_order_share,
        habits.night_order_share,
        habits.mobile_order_share,
        habits.refund_rate,
        coalesce(habits.presale_order_count, 0) as presale_order_count,
        lifecycle.lifecycle_stage,
        rfm.rfm_group_cn,
        rfm.rfm_segment_en,
        member_tiers.member_tier
    from customers
    left join city_tiers
        on customers.city = city_tiers.city
    left join habits
        on customers.customer_id = habits.customer_id
    left join lifecycle
        on customers.customer_id = lifecycle.customer_id
    left join rfm
        on customers.customer_id = rfm.customer_id
    left join member_tiers
        on customers.customer_id = member_tiers.customer_id

),

tagged as (

    {{ customer_tag_rules(var('customer_tag_rules'), 'facts', 'purchase_lines') }}

),

previous as (

    {% if is_incremental() %}
    select customer_id, tag, tag_value, since_date from {{ this }}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as tag,
        cast(null as {{ dbt.type_string() }}) as tag_value,
        cast(null as date) as since_date
    where 1 = 0
    {% endif %}

),

final as (

    select
        tagged.customer_id,
        cast(tagged.tag as {{ dbt.type_string() }}) as tag,
        cast(tagged.tag_group as {{ dbt.type_string() }}) as tag_group,
        cast(tagged.tag_value as {{ dbt.type_string() }}) as tag_value,
        coalesce(previous.since_date, {{ as_of_date() }}) as since_date,
        {{ as_of_date() }} as as_of_date
    from tagged
    left join previous
        on tagged.customer_id = previous.customer_id
        and tagged.tag = previous.tag
        and tagged.tag_value = previous.tag_value

)

select * from final
