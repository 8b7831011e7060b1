{{ config(tags=['activation']) }}
{#- One row per month, feedback topic and product (merchant_code; null for feedback that names
    none, such as a survey comment) over the last var feedback_history_months months: how often
    buyers raised the topic, against the purchase orders it could have been about (orders with
    that product that month; every purchase order for feedback naming no product), and the same
    for the month before, so a rising issue shows. Months where the topic was raised neither
    that month nor the one before have no row. Feedback counts once per order (a refund and the
    ERP's after-sales case of one return are one) or per survey answer. -#}
with

topics as (

    select * from {{ ref('customer_feedback_topics') }}
    where topic in (select topic from {{ ref('feedback_topic_reasons') }} where is_issue)

),

lines as (

    select * from {{ ref('fct_order_lines') }}
    where is_purchase

),

products as (

    select merchant_code, product_name, category_name from {{ ref('dim_products') }}

),

month_ends as (

    {{ month_ends(var('feedback_history_months')) }}

),

raised as (

    select
        cast({{ dbt.date_trunc('month', 'topics.feedback_date') }} as date) as month_start_date,
        topics.topic,
        topics.merchant_code,
        count(distinct coalesce(topics.order_id, topics.feedback_key)) as issue_count,
        count(distinct topics.customer_id) as customer_count
    from topics
    group by 1, 2, 3

),

product_orders as (

    select
        cast({{ dbt.date_trunc('month', 'created_date') }} as date) as month_start_date,
        merchant_code,
        count(distinct order_id) as purchase_order_count
    from lines
    where merchant_code is not null
    group by 1, 2

),

all_orders as (

    select
        cast({{ dbt.date_trunc('month', 'created_date') }} as date) as month_start_date,
        count(distinct order_id) as purchase_order_count
    from lines
    group by 1

),

issue_keys as (

    select distinct topic, merchant_code from raised

),

spine as (

    select
        month_ends.month_start_date,
        cast({{ dbt.dateadd('month', -1, 'month_ends.month_start_date') }} as date)
            as previous_month_start_date,
        issue_keys.topic,
        issue_keys.merchant_code
    from month_ends
    cross join issue_keys

),

counted as (

    select
        spine.month_start_date,
        spine.topic,
        spine.merchant_code,
        coalesce(this_month.issue_count, 0) as issue_count,
        coalesce(this_month.customer_count, 0) as customer_count,
        coalesce(last_month.issue_count, 0) as previous_issue_count,
        case when spine.merchant_code is null then this_all.purchase_order_count
            else this_product.purchase_order_count end as purchase_order_count,
        case when spine.merchant_code is null then last_all.purchase_order_count
            else last_product.purchase_order_count end as previous_purchase_order_count
    from spine
    left join raised as this_month
        on spine.month_start_date = this_month.month_start_date
        and spine.topic = this_month.topic
        and spine.merchant_code is not distinct from this_month.merchant_code
    left join raised as last_month
        on spine.previous_month_start_date = last_month.month_start_date
        and spine.topic = last_month.topic
        and spine.merchant_code is not distinct from last_month.merchant_code
    left join product_orders as this_product
        on spine.month_start_date = this_product.month_start_date
        and spine.merchant_code = this_product.merchant_code
    left join product_orders as last_product
        on spine.previous_month_start_date = last_product.month_start_date
        and spine.merchant_code = last_product.merchant_code
    left join all_orders as this_all
        on spine.month_start_date = this_all.month_start_date
    left join all_orders as last_all
        on spine.previous_month_start_date = last_all.month_start_date

),

final as (

    select
        counted.month_start_date,
        counted.topic,
        topic_reasons.topic_cn,
        topic_reasons.churn_reason,
        counted.merchant_code,
        products.product_name,
        products.category_name,
        cast(counted.issue_count as integer) as issue_count,
        cast(counted.customer_count as integer) as customer_count,
        cast(coalesce(counted.purchase_order_count, 0) as integer) as purchase_order_count,
        cast(
            case when counted.purchase_order_count > 0
                then 100.0 * counted.issue_count / counted.purchase_order_count
            end as decimal(9, 4)
        ) as issues_per_100_orders,
        cast(counted.previous_issue_count as integer) as previous_month_issue_count,
        cast(
            case when counted.previous_purchase_order_count > 0
                then 100.0 * counted.previous_issue_count / counted.previous_purchase_order_count
            end as decimal(9, 4)
        ) as previous_month_issues_per_100_orders,
        case
            when counted.previous_issue_count = 0 then 'new'
            when counted.issue_count = 0 then 'gone'
            when counted.issue_count > counted.previous_issue_count then 'rising'
            when counted.issue_count < counted.previous_issue_count then 'falling'
            else 'steady'
        end as trend
    from counted
    inner join {{ ref('feedback_topic_reasons') }} as topic_reasons
        on counted.topic = topic_reasons.topic
    left join products
        on counted.merchant_code = products.merchant_code
    where counted.issue_count > 0 or counted.previous_issue_count > 0

)

select * from final
