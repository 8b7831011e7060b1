{#- The cohort retention matrix: one row per first-purchase month (cohort) and months since, up to
    the as-of month: customers of the cohort who bought in that month, their share of the cohort,
    and the revenue they brought. Month 0 is the cohort's own month (everyone, by definition). -#}
with

purchase_days as {{ not_materialized() }} (

    select * from {{ ref('int_purchase_days_sequenced') }}

),

cohorts as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'purchase_date') }} as date) as cohort_month_start_date
    from purchase_days
    where purchase_day_number = 1

),

cohort_sizes as (

    select cohort_month_start_date, cast(count(*) as integer) as cohort_customer_count
    from cohorts
    group by cohort_month_start_date

),

activity as (

    select
        cohorts.cohort_month_start_date,
        cast({{ dbt.date_trunc('month', 'purchase_days.purchase_date') }} as date)
            as activity_month_start_date,
        purchase_days.customer_id,
        purchase_days.net_revenue_amount
    from purchase_days
    inner join cohorts
        on purchase_days.customer_id = cohorts.customer_id

),

final as (

    select
        activity.cohort_month_start_date,
        cast({{ dbt.datediff('activity.cohort_month_start_date', 'activity.activity_month_start_date', 'month') }}
            as integer) as months_since_first_purchase,
        activity.activity_month_start_date,
        cohort_sizes.cohort_customer_count,
        cast(count(distinct activity.customer_id) as integer) as active_customer_count,
        cast(
            1.0 * count(distinct activity.customer_id) / cohort_sizes.cohort_customer_count
            as decimal(9, 4)
        ) as retention_rate,
        cast(sum(activity.net_revenue_amount) as decimal(18, 2)) as net_revenue_amount
    from activity
    inner join cohort_sizes
        on activity.cohort_month_start_date = cohort_sizes.cohort_month_start_date
    group by
        activity.cohort_month_start_date,
        activity.activity_month_start_date,
        cohort_sizes.cohort_customer_count

)

select * from final
