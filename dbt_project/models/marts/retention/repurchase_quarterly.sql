{#- One row per calendar quarter with purchases: returning buyers over buyers (as
    repurchase_monthly, by quarter), and, at the quarter's end, how many customers had bought at
    all and what share of them had bought on at least two days (the repeat-customer share, the
    number a 复购率 slide usually means). The current quarter ends on the as-of day. -#}
with

purchase_days as {{ not_materialized() }} (

    select * from {{ ref('int_purchase_days_sequenced') }}

),

first_purchases as (

    select customer_id, purchase_date as first_purchase_date
    from purchase_days
    where purchase_day_number = 1

),

second_purchases as (

    select customer_id, purchase_date as second_purchase_date
    from purchase_days
    where purchase_day_number = 2

),

quarterly_buyers as (

    select distinct
        cast({{ dbt.date_trunc('quarter', 'purchase_days.purchase_date') }} as date)
            as quarter_start_date,
        purchase_days.customer_id,
        first_purchases.first_purchase_date
    from purchase_days
    inner join first_purchases
        on purchase_days.customer_id = first_purchases.customer_id

),

buyers as (

    select
        quarter_start_date,
        cast(count(*) as integer) as buyer_count,
        cast(sum(case when first_purchase_date < quarter_start_date then 1 else 0 end) as integer)
            as returning_buyer_count
    from quarterly_buyers
    group by quarter_start_date

),

firsts as (

    select
        cast({{ dbt.date_trunc('quarter', 'first_purchase_date') }} as date) as quarter_start_date,
        cast(count(*) as integer) as first_purchase_count
    from first_purchases
    group by cast({{ dbt.date_trunc('quarter', 'first_purchase_date') }} as date)

),

seconds as (

    select
        cast({{ dbt.date_trunc('quarter', 'second_purchase_date') }} as date) as quarter_start_date,
        cast(count(*) as integer) as second_purchase_count
    from second_purchases
    group by cast({{ dbt.date_trunc('quarter', 'second_purchase_date') }} as date)

),

customers_by_quarter_end as (

    -- every purchase is on or before the as-of day, so "by the quarter's end" is "in this quarter
    -- or an earlier one": running sums over a few dozen quarters, not customers × quarters
    select
        buyers.quarter_start_date,
        cast((
            select sum(firsts.first_purchase_count) from firsts
            where firsts.quarter_start_date <= buyers.quarter_start_date
        ) as integer) as customer_count,
        cast(coalesce((
            select sum(seconds.second_purchase_count) from seconds
            where seconds.quarter_start_date <= buyers.quarter_start_date
        ), 0) as integer) as repeat_customer_count
    from buyers

),

final as (

    select
        buyers.quarter_start_date,
        buyers.buyer_count,
        buyers.returning_buyer_count,
        cast(1.0 * buyers.returning_buyer_count / buyers.buyer_count as decimal(9, 4))
            as repurchase_rate,
        customers_by_quarter_end.customer_count,
        customers_by_quarter_end.repeat_customer_count,
        cast(
            1.0 * customers_by_quarter_end.repeat_customer_count
            / customers_by_quarter_end.customer_count as decimal(9, 4)
        ) as repeat_customer_share,
        {{ as_of_date() }} as as_of_date
    from buyers
    inner join customers_by_quarter_end
        on buyers.quarter_start_date = customers_by_quarter_end.quarter_start_date

)

select * from final
