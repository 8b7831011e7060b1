{{ config(tags=['activation']) }}
{#- One row per feedback topic raised in the last 60 days: the last 30 days (to the as-of day)
    against the 30 before, shop-wide, ranked by this period's count, with the product most
    complained of this period. Rolling 30-day periods rather than calendar months, so the
    first week of a month is not compared with a whole month. -#}
with

topics as (

    select * from {{ ref('customer_feedback_topics') }}
    where topic in (select topic from {{ ref('feedback_topic_reasons') }} where is_issue)
        and feedback_date > {{ dbt.dateadd('day', -60, as_of_date()) }}
        and feedback_date <= {{ as_of_date() }}

),

orders as (

    select * from {{ ref('fct_orders') }}
    where is_purchase
        and created_date > {{ dbt.dateadd('day', -60, as_of_date()) }}
        and created_date <= {{ as_of_date() }}

),

periods as (

    select
        topic,
        merchant_code,
        coalesce(order_id, feedback_key) as issue_key,
        case when feedback_date > {{ dbt.dateadd('day', -30, as_of_date()) }}
            then 'this' else 'previous' end as period
    from topics

),

order_counts as (

    select
        count(distinct case when created_date > {{ dbt.dateadd('day', -30, as_of_date()) }}
            then order_id end) as this_order_count,
        count(distinct case when created_date <= {{ dbt.dateadd('day', -30, as_of_date()) }}
            then order_id end) as previous_order_count
    from orders

),

by_topic as (

    select
        topic,
        count(distinct case when period = 'this' then issue_key end) as this_issue_count,
        count(distinct case when period = 'previous' then issue_key end) as previous_issue_count
    from periods
    group by topic

),

by_product as (

    select
        topic,
        merchant_code,
        count(distinct issue_key) as issue_count,
        row_number() over (
            partition by topic order by count(distinct issue_key) desc, merchant_code
        ) as product_rank
    from periods
    where period = 'this' and merchant_code is not null
    group by topic, merchant_code

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        cast(row_number() over (
            order by by_topic.this_issue_count desc, by_topic.previous_issue_count desc,
                by_topic.topic
        ) as integer) as issue_rank,
        by_topic.topic,
        topic_reasons.topic_cn,
        topic_reasons.churn_reason,
        cast(by_topic.this_issue_count as integer) as issue_count_last_30d,
        cast(by_topic.previous_issue_count as integer) as issue_count_previous_30d,
        cast(by_topic.this_issue_count - by_topic.previous_issue_count as integer)
            as issue_count_change,
        cast(case when order_counts.this_order_count > 0
            then 100.0 * by_topic.this_issue_count / order_counts.this_order_count
        end as decimal(9, 4)) as issues_per_100_orders_last_30d,
        cast(case when order_counts.previous_order_count > 0
            then 100.0 * by_topic.previous_issue_count / order_counts.previous_order_count
        end as decimal(9, 4)) as issues_per_100_orders_previous_30d,
        by_product.merchant_code as top_merchant_code,
        products.product_name as top_product_name,
        cast(by_product.issue_count as integer) as top_product_issue_count
    from by_topic
    cross join order_counts
    inner join {{ ref('feedback_topic_reasons') }} as topic_reasons
        on by_topic.topic = topic_reasons.topic
    left join by_product
        on by_topic.topic = by_product.topic
        and by_product.product_rank = 1
    left join {{ ref('dim_products') }} as products
        on by_product.merchant_code = products.merchant_code

)

select * from final
