{#- One row per calendar month with purchases: how many buyers came back, and how quickly the
    month's new customers bought again.

    returning_buyer_count: buyers of the month whose first purchase day was before the month.
    repurchase_rate = returning buyers / buyers.
    new_customer_count: customers whose first purchase day falls in the month.
    repurchase_rate_Nd: share of those new customers with a second purchase day within N days of
    their first; null while the window has not closed for all of them by the as-of day.
    repeat_customer_share: of the customers so far at the month's end, the share with a second
    purchase day by then. -#}
with

purchases as (

    select * from {{ ref('int_orders_joined_to_customers') }}
    where is_purchase and customer_id is not null

),

customers as {{ not_materialized() }} (

    select * from {{ ref('int_customer_orders_aggregated') }}
    where purchase_count > 0

),

monthly_buyers as (

    select distinct
        cast({{ dbt.date_trunc('month', 'purchases.created_date') }} as date) as month_start_date,
        purchases.customer_id,
        customers.first_purchase_date
    from purchases
    inner join customers
        on purchases.customer_id = customers.customer_id

),

buyers as (

    select
        month_start_date,
        cast(count(*) as integer) as buyer_count,
        cast(sum(case when first_purchase_date < month_start_date then 1 else 0 end) as integer)
            as returning_buyer_count
    from monthly_buyers
    group by month_start_date

),

new_customers as (

    select
        cast({{ dbt.date_trunc('month', 'first_purchase_date') }} as date) as month_start_date,
        cast(count(*) as integer) as new_customer_count,
        {% for days in [30, 60, 90] %}
        cast(sum(
            case when second_purchase_date is not null
                and {{ dbt.datediff('first_purchase_date', 'second_purchase_date', 'day') }} <= {{ days }}
            then 1 else 0 end
        ) as integer) as repurchased_{{ days }}d_count{{ ',' if not loop.last }}
        {% endfor %}
    from customers
    group by 1

),

firsts as (

    select
        cast({{ dbt.date_trunc('month', 'first_purchase_date') }} as date) as month_start_date,
        cast(count(*) as integer) as first_purchase_count
    from customers
    group by cast({{ dbt.date_trunc('month', 'first_purchase_date') }} as date)

),

seconds as (

    select
        cast({{ dbt.date_trunc('month', 'second_purchase_date') }} as date) as month_start_date,
        cast(count(*) as integer) as second_purchase_count
    from customers
    where second_purchase_date is not null
    group by cast({{ dbt.date_trunc('month', 'second_purchase_date') }} as date)

),

customers_by_month_end as (

    -- customers so far and those with a second purchase day by the month's end (running sums
    -- over months: every purchase is on or before the as-of day)
    select
        buyers.month_start_date,
        cast((
            select sum(firsts.first_purchase_count) from firsts
            where firsts.month_start_date <= buyers.month_start_date
        ) as integer) as customer_count,
        cast(coalesce((
            select sum(seconds.second_purchase_count) from seconds
            where seconds.month_start_date <= buyers.month_start_date
        ), 0) as integer) as repeat_customer_count
    from buyers

),

final as (

    select
        buyers.month_start_date,
        buyers.buyer_count,
        buyers.returning_buyer_count,
        cast(1.0 * buyers.returning_buyer_count / buyers.buyer_count as decimal(9, 4))
            as repurchase_rate,
        cast(coalesce(new_customers.new_customer_count, 0) as integer) as new_customer_count,
        {% for days in [30, 60, 90] %}
        cast(coalesce(new_customers.repurchased_{{ days }}d_count, 0) as integer)
            as repurchased_{{ days }}d_count,
        case
            when coalesce(new_customers.new_customer_count, 0) = 0 then null
            when {{ dbt.dateadd('day', days, dbt.last_day('buyers.month_start_date', 'month')) }}
                > {{ as_of_date() }} then null
            else cast(
                1.0 * new_customers.repurchased_{{ days }}d_count / new_customers.new_customer_count
                as decimal(9, 4)
            )
        end as repurchase_rate_{{ days }}d,
        {% endfor %}
        customers_by_month_end.customer_count,
        customers_by_month_end.repeat_customer_count,
        cast(
            1.0 * customers_by_month_end.repeat_customer_count
            / customers_by_month_end.customer_count as decimal(9, 4)
        ) as repeat_customer_share,
        {{ as_of_date() }} as as_of_date
    from buyers
    left join new_customers
        on buyers.month_start_date = new_customers.month_start_date
    inner join customers_by_month_end
        on buyers.month_start_date = customers_by_month_end.month_start_date

)

select * from final
