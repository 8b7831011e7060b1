{#- The inter-purchase interval distribution, for the shop as a whole (category_name 'all': days
    between a customer's consecutive purchase days) and per product category (days between a
    customer's consecutive purchase days with a line of that category, the replenishment rhythm):
    one row per scope and interval band with the repurchases in it, their share and the scope's
    quartiles. -#}
with

shop_intervals as (

    select 'all' as category_name, days_since_previous_purchase as interval_days
    from {{ ref('int_purchase_days_sequenced') }}
    where days_since_previous_purchase is not null

),

category_days as (

    select distinct customer_id, category_name, created_date
    from {{ ref('int_order_lines_joined_to_products') }}
    where customer_id is not null and is_purchase

),

category_intervals as (

    select
        category_name,
        cast({{ dbt.datediff(
            'lag(created_date) over (partition by customer_id, category_name order by created_date)',
            'created_date', 'day') }} as integer) as interval_days
    from category_days

),

intervals as (

    select category_name, interval_days from shop_intervals
    union all
    select category_name, interval_days from category_intervals
    where interval_days is not null

),

banded as (

    select
        category_name,
        interval_days,
        case
            when interval_days <= 7 then 1
            when interval_days <= 14 then 2
            when interval_days <= 30 then 3
            when interval_days <= 60 then 4
            when interval_days <= 90 then 5
            when interval_days <= 180 then 6
            when interval_days <= 365 then 7
            else 8
        end as band_number
    from intervals

),

quartiles as (

    select
        category_name,
        cast(percentile_cont(0.25) within group (order by interval_days) as decimal(18, 1))
            as p25_interval_days,
        cast(percentile_cont(0.5) within group (order by interval_days) as decimal(18, 1))
            as median_interval_days,
        cast(percentile_cont(0.75) within group (order by interval_days) as decimal(18, 1))
            as p75_interval_days,
        cast(count(*) as integer) as scope_repurchase_count
    from banded
    group by category_name

),

counted as (

    select category_name, band_number, cast(count(*) as integer) as repurchase_count
    from banded
    group by category_name, band_number

),

final as (

    select
        counted.category_name,
        counted.band_number,
        case counted.band_number
            when 1 then '0-7'
            when 2 then '8-14'
            when 3 then '15-30'
            when 4 then '31-60'
            when 5 then '61-90'
            when 6 then '91-180'
            when 7 then '181-365'
            else '366+'
        end as interval_band,
        counted.repurchase_count,
        cast(1.0 * counted.repurchase_count / quartiles.scope_repurchase_count as decimal(9, 4))
            as repurchase_share,
        quartiles.p25_interval_days,
        quartiles.median_interval_days,
        quartiles.p75_interval_days,
        {{ as_of_date() }} as as_of_date
    from counted
    inner join quartiles
        on counted.category_name = quartiles.category_name

)

select * from final
