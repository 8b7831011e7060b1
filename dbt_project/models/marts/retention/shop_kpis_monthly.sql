{#- One row per calendar month with purchases: the numbers a shop steers by. GMV = what buyers
    paid for the month's purchase orders (before refunds); refund_rate = refunds of those orders
    over GMV; AOV = GMV per purchase order; churn_rate = of the customers who had not churned by
    the previous month's end, the share who had by this month's end (lifecycle definitions, the
    last segment_history_months months only); NPS = % promoters − % detractors among the month's
    survey answers, null without answers. -#}
with

orders as (

    select * from {{ ref('int_orders_joined_to_customers') }}
    where is_purchase

),

purchase_days as (

    select * from {{ ref('int_purchase_days_sequenced') }}

),

segments as {{ not_materialized() }} (

    select * from {{ ref('int_customer_segments_monthly') }}

),

surveys as (

    select * from {{ ref('survey_responses') }}

),

sales as (

    select
        cast({{ dbt.date_trunc('month', 'created_date') }} as date) as month_start_date,
        cast(count(*) as integer) as purchase_order_count,
        cast(count(distinct customer_id) as integer) as buyer_count,
        cast(sum(paid_amount) as decimal(18, 2)) as gmv_amount,
        cast(sum(refund_amount) as decimal(18, 2)) as refund_amount,
        cast(sum(net_revenue_amount) as decimal(18, 2)) as net_revenue_amount
    from orders
    group by cast({{ dbt.date_trunc('month', 'created_date') }} as date)

),

new_customers as (

    select
        cast({{ dbt.date_trunc('month', 'purchase_date') }} as date) as month_start_date,
        cast(count(*) as integer) as new_customer_count
    from purchase_days
    where purchase_day_number = 1
    group by cast({{ dbt.date_trunc('month', 'purchase_date') }} as date)

),

churn as (

    select
        this_month.month_start_date,
        cast(count(*) as integer) as at_risk_customer_count,
        cast(sum(case when this_month.lifecycle_stage = 'churned' then 1 else 0 end) as integer)
            as churned_customer_count
    from segments as this_month
    inner join segments as last_month
        on this_month.customer_id = last_month.customer_id
        and last_month.month_start_date
            = cast({{ dbt.dateadd('month', -1, 'this_month.month_start_date') }} as date)
    where last_month.lifecycle_stage <> 'churned'
    group by this_month.month_start_date

),

nps as (

    select
        cast({{ dbt.date_trunc('month', 'answered_date') }} as date) as month_start_date,
        cast(count(*) as integer) as survey_answer_count,
        cast(
            100.0 * (
                sum(case when nps_category = 'promoter' then 1 else 0 end)
                - sum(case when nps_category = 'detractor' then 1 else 0 end)
            ) / count(*) as decimal(9, 2)
        ) as nps
    from surveys
    group by cast({{ dbt.date_trunc('month', 'answered_date') }} as date)

),

final as (

    select
        sales.month_start_date,
        sales.purchase_order_count,
        sales.buyer_count,
        coalesce(new_customers.new_customer_count, 0) as new_customer_count,
        sales.gmv_amount,
        sales.refund_amount,
        sales.net_revenue_amount,
        cast(sales.gmv_amount / nullif(sales.purchase_order_count, 0) as decimal(18, 2))
            as aov_amount,
        cast(sales.refund_amount / nullif(sales.gmv_amount, 0) as decimal(9, 4)) as refund_rate,
        churn.at_risk_customer_count,
        churn.churned_customer_count,
        cast(1.0 * churn.churned_customer_count / nullif(churn.at_risk_customer_count, 0)
            as decimal(9, 4)) as churn_rate,
        nps.survey_answer_count,
        nps.nps,
        {{ as_of_date() }} as as_of_date
    from sales
    left join new_customers
        on sales.month_start_date = new_customers.month_start_date
    left join churn
        on sales.month_start_date = churn.month_start_date
    left join nps
        on sales.month_start_date = nps.month_start_date

)

select * from final
