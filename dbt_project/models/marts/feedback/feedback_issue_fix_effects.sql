{{ config(tags=['activation']) }}
{#- One row per issue the shop marked addressed (seed feedback_issue_fixes: a topic, optionally
    one product, and the day the fix took effect): the issue's rate in the var
    feedback_fix_window_days days before the fix against the days after it (as many as have
    passed, up to the same window), with the 95% interval of the change (Newcombe's hybrid
    score interval, as campaign_lift uses).

    The rate is orders (or survey answers) raising the topic per purchase order in scope: the
    product's orders for a fix to one product, every purchase order otherwise. verdict:
    too_early until after_days reaches var feedback_fix_min_days_after; then improved when the
    whole interval is below zero, worse when above, else no_clear_change. -#}
with

fixes as (

    select * from {{ ref('feedback_issue_fixes') }}
    where addressed_date <= {{ as_of_date() }}

),

topics as (

    select * from {{ ref('customer_feedback_topics') }}
    where feedback_date <= {{ as_of_date() }}

),

lines as (

    select * from {{ ref('fct_order_lines') }}
    where is_purchase and created_date <= {{ as_of_date() }}

),

windows as (

    select
        fixes.topic,
        fixes.merchant_code,
        fixes.addressed_date,
        fixes.note,
        cast({{ dbt.dateadd('day', -1 * var('feedback_fix_window_days'), 'fixes.addressed_date') }}
            as date) as before_from_date,
        cast(least(
            {{ dbt.dateadd('day', var('feedback_fix_window_days'), 'fixes.addressed_date') }},
            {{ dbt.dateadd('day', 1, as_of_date()) }}
        ) as date) as after_to_date
    from fixes

),

issues as (

    select
        windows.topic,
        windows.merchant_code,
        windows.addressed_date,
        count(distinct case when topics.feedback_date < windows.addressed_date
            then coalesce(topics.order_id, topics.feedback_key) end) as before_issue_count,
        count(distinct case when topics.feedback_date >= windows.addressed_date
            then coalesce(topics.order_id, topics.feedback_key) end) as after_issue_count
    from windows
    inner join topics
        on windows.topic = topics.topic
        and topics.feedback_date >= windows.before_from_date
        and topics.feedback_date < windows.after_to_date
    where windows.merchant_code is null or windows.merchant_code = topics.merchant_code
    group by windows.topic, windows.merchant_code, windows.addressed_date

),

orders as (

    select
        windows.topic,
        windows.merchant_code,
        windows.addressed_date,
        count(distinct case when lines.created_date < windows.addressed_date
            then lines.order_id end) as before_order_count,
        count(distinct case when lines.created_date >= windows.addressed_date
            then lines.order_id end) as after_order_count
    from windows
    inner join lines
        on lines.created_date >= windows.before_from_date
        and lines.created_date < windows.after_to_date
    where windows.merchant_code is null or windows.merchant_code = lines.merchant_code
    group by windows.topic, windows.merchant_code, windows.addressed_date

),

measured as (

    select
        windows.*,
        cast({{ dbt.datediff('windows.addressed_date', 'windows.after_to_date', 'day') }}
            as integer) as after_days,
        coalesce(orders.before_order_count, 0) as before_order_count,
        coalesce(orders.after_order_count, 0) as after_order_count,
        -- an issue raised without an order in scope (a survey) cannot outnumber the orders
        least(coalesce(issues.before_issue_count, 0), coalesce(orders.before_order_count, 0))
            as before_issue_count,
        least(coalesce(issues.after_issue_count, 0), coalesce(orders.after_order_count, 0))
            as after_issue_count
    from windows
    left join issues
        on windows.topic = issues.topic
        and windows.merchant_code is not distinct from issues.merchant_code
        and windows.addressed_date = issues.addressed_date
    left join orders
        on windows.topic = orders.topic
        and windows.merchant_code is not distinct from orders.merchant_code
        and windows.addressed_date = orders.addressed_date

),

bounded as (

    select
        measured.*,
        case when before_order_count > 0 and after_order_count > 0 then
            {{ newcombe_bound('after_issue_count', 'after_order_count', 'before_issue_count', 'before_order_count', 'lower') }}
        end as change_lower,
        case when before_order_count > 0 and after_order_count > 0 then
            {{ newcombe_bound('after_issue_count', 'after_order_count', 'before_issue_count', 'before_order_count', 'upper') }}
        end as change_upper
    from measured

),

final as (

    select
        bounded.topic,
        topic_reasons.topic_cn,
        bounded.merchant_code,
        bounded.addressed_date,
        bounded.note,
        bounded.after_days,
        cast(bounded.before_issue_count as integer) as before_issue_count,
        cast(bounded.before_order_count as integer) as before_order_count,
        cast(case when bounded.before_order_count > 0
            then 1.0 * bounded.before_issue_count / bounded.before_order_count
        end as decimal(9, 6)) as before_issue_rate,
        cast(bounded.after_issue_count as integer) as after_issue_count,
        cast(bounded.after_order_count as integer) as after_order_count,
        cast(case when bounded.after_order_count > 0
            then 1.0 * bounded.after_issue_count / bounded.after_order_count
        end as decimal(9, 6)) as after_issue_rate,
        cast(cast(bounded.change_lower as decimal(18, 9)) as decimal(9, 6)) as rate_change_lower,
        cast(cast(bounded.change_upper as decimal(18, 9)) as decimal(9, 6)) as rate_change_upper,
        case
            when bounded.after_days < {{ var('feedback_fix_min_days_after') }}
                or bounded.change_upper is null then 'too_early'
            when bounded.change_upper < 0 then 'improved'
            when bounded.change_lower > 0 then 'worse'
            else 'no_clear_change'
        end as verdict,
        {{ as_of_date() }} as as_of_date
    from bounded
    inner join {{ ref('feedback_topic_reasons') }} as topic_reasons
        on bounded.topic = topic_reasons.topic

)

select * from final
