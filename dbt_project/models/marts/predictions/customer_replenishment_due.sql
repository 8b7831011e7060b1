{#- When each customer should run out of what they keep buying: per customer and replenished
    category, the expected next purchase day from their own intervals between purchase days of
    the category, shrunk towards the category's median interval (a customer with one purchase
    of it gets the median), and whether that day is due, overdue, upcoming or long past. -#}
{%- set chosen = var('replenishment_categories') -%}
with

category_days as (

    select distinct customer_id, category_name, created_date as purchase_date
    from {{ ref('int_order_lines_joined_to_products') }}
    where is_purchase and customer_id is not null

),

intervals as (

    select
        customer_id,
        category_name,
        purchase_date,
        {{ dbt.datediff(
            'lag(purchase_date) over (partition by customer_id, category_name order by purchase_date)',
            'purchase_date', 'day') }} as interval_days
    from category_days

),

customer_categories as (

    select
        customer_id,
        category_name,
        count(*) as purchase_day_count,
        count(interval_days) as interval_count,
        avg(1.0 * interval_days) as own_mean_interval_days,
        max(purchase_date) as last_purchase_date
    from intervals
    group by customer_id, category_name

),

category_rhythm as (

    select
        category_name,
        count(*) as buyer_count,
        sum(case when interval_count > 0 then 1 else 0 end) as repeat_buyer_count,
        sum(interval_count) as interval_count
    from customer_categories
    group by category_name

),

category_medians as (

    select
        category_name,
        percentile_cont(0.5) within group (order by interval_days) as median_interval_days
    from intervals
    where interval_days is not null
    group by category_name

),

replenished as (

    select rhythm.category_name, medians.median_interval_days
    from category_rhythm as rhythm
    inner join category_medians as medians on rhythm.category_name = medians.category_name
    {%- if chosen | length > 0 %}
    where rhythm.category_name in (
        {%- for category in chosen %}'{{ category }}'{{ ", " if not loop.last }}{% endfor -%}
    )
    {%- else %}
    where rhythm.interval_count >= {{ var('replenishment_min_intervals') }}
        and 1.0 * rhythm.repeat_buyer_count / rhythm.buyer_count
            >= {{ var('replenishment_min_repeat_buyer_share') }}
    {%- endif %}

),

expected as (

    select
        customer_categories.customer_id,
        customer_categories.category_name,
        customer_categories.purchase_day_count,
        customer_categories.last_purchase_date,
        customer_categories.own_mean_interval_days,
        replenished.median_interval_days as category_median_interval_days,
        -- rounded as a decimal: PostgreSQL rounds a double's .5 to even, DuckDB away from zero
        cast(round(cast(
            (coalesce(customer_categories.own_mean_interval_days, 0)
                * customer_categories.interval_count
             + replenished.median_interval_days * {{ var('replenishment_prior_intervals') }})
            / (customer_categories.interval_count + {{ var('replenishment_prior_intervals') }})
            as decimal(18, 4)
        )) as integer) as expected_interval_days
    from customer_categories
    inner join replenished on customer_categories.category_name = replenished.category_name

),

dated as (

    select
        *,
        cast({{ dbt.dateadd('day', 'expected_interval_days', 'last_purchase_date') }} as date)
            as expected_next_purchase_date,
        {{ dbt.datediff('last_purchase_date', as_of_date(), 'day') }} as days_since_last_purchase
    from expected

),

final as (

    select
        customer_id,
        category_name,
        cast(purchase_day_count as integer) as purchase_day_count,
        last_purchase_date,
        cast(own_mean_interval_days as decimal(18, 1)) as own_mean_interval_days,
        cast(category_median_interval_days as decimal(18, 1)) as category_median_interval_days,
        expected_interval_days,
        expected_next_purchase_date,
        cast({{ dbt.datediff(as_of_date(), 'expected_next_purchase_date', 'day') }} as integer)
            as days_until_due,
        case
            when days_since_last_purchase
                > {{ var('replenishment_lapsed_multiple') }} * expected_interval_days
                then 'lapsed'
            when {{ dbt.datediff(as_of_date(), 'expected_next_purchase_date', 'day') }}
                < -{{ var('replenishment_overdue_grace_days') }}
                then 'overdue'
            when {{ dbt.datediff(as_of_date(), 'expected_next_purchase_date', 'day') }}
                <= {{ var('replenishment_due_window_days') }}
                then 'due'
            else 'upcoming'
        end as replenishment_status,
        {{ as_of_date() }} as as_of_date
    from dated

)

select * from final
