{#- One row per customer with a purchase: the evidence behind each churn reason, as measured
    values (customer_churn_reasons scores them by var churn_reasons).

    price_sensitive: how much of their spend was discount (discount_share), how many orders fell
    in promotion windows (promotion_order_share), whether they buy below the category's median
    price (price_index), how many orders used a coupon (coupon_order_share), and feedback about
    price (price_mention_count).
    service_dissatisfied: refunds the shop rejected, refunds that took longer than var
    churn_reasons.slow_refund_hours (or are still open past it), after-sales cases (refunds
    after delivery or with goods sent back: something was wrong with what arrived), survey
    detractor answers,
    orders or answers whose feedback complains of the product or the service
    (service_complaint_count: topics whose churn reason is service_dissatisfied), and whether
    their last purchase was refunded.
    need_changed: the share of their last two purchase days' spend in categories they first
    bought on those days (new_category_share; null with fewer than three purchase days: a change
    of need shows over more than one purchase, against a before), the share of their spend in life-stage
    categories (seed life_stage_categories) they first bought longer ago than the need lasts,
    replenished categories they stopped buying while still buying others (a whole expected
    interval overdue, with a later purchase of something else), and feedback saying they no
    longer need it. -#}
with

habits as (

    select * from {{ ref('int_customer_purchase_habits') }}

),

orders as (

    select * from {{ ref('int_orders_joined_to_customers') }}
    where customer_id is not null and is_purchase

),

lines as {{ not_materialized() }} (

    select * from {{ ref('int_order_lines_joined_to_products') }}
    where customer_id is not null and is_purchase and quantity > 0

),

refunds as (

    select * from {{ ref('fct_refunds') }}
    where customer_id is not null and applied_date <= {{ as_of_date() }}

),

surveys as (

    select * from {{ ref('survey_responses') }}
    where customer_id is not null

),

feedback_topics as (

    select * from {{ ref('customer_feedback_topics') }}
    where customer_id is not null

),

replenishment as (

    select * from {{ ref('customer_replenishment_due') }}

),

life_stages as (

    select * from {{ ref('life_stage_categories') }}

),

coupons as (

    select
        customer_id,
        1.0 * sum(case when coupon_amount > 0 then 1 else 0 end) / count(*) as coupon_order_share
    from orders
    group by customer_id

),

last_orders as (

    select
        customer_id,
        refund_amount,
        row_number() over (partition by customer_id order by created_at desc, order_id desc)
            as order_rank
    from orders

),

refund_signals as (

    select
        customer_id,
        sum(case when refund_state = 'rejected' then 1 else 0 end) as rejected_refund_count,
        sum(case
            when hours_to_finish > {{ var('churn_reasons')['slow_refund_hours'] }} then 1
            when finished_at is null
                and refund_state in ('requested', 'awaiting_return', 'returned')
                and {{ dbt.datediff('applied_at', as_of_date(), 'hour') }}
                    > {{ var('churn_reasons')['slow_refund_hours'] }} then 1
            else 0
        end) as slow_refund_count,
        sum(case when refund_kind in ('after_delivery', 'return_and_refund') or is_return_required
            then 1 else 0 end) as after_sales_case_count
    from refunds
    group by customer_id

),

survey_signals as (

    select
        customer_id,
        sum(case when nps_category = 'detractor' then 1 else 0 end) as detractor_answer_count
    from surveys
    group by customer_id

),

-- an order (or survey answer) counts once per reason, however many texts and topics say it
feedback_signals as (

    select
        customer_id,
        count(distinct case when churn_reason = 'service_dissatisfied'
            then coalesce(order_id, feedback_key) end) as service_complaint_count,
        count(distinct case when churn_reason = 'price_sensitive'
            then coalesce(order_id, feedback_key) end) as price_mention_count,
        count(distinct case when churn_reason = 'need_changed'
            then coalesce(order_id, feedback_key) end) as need_change_mention_count
    from feedback_topics
    group by customer_id

),

category_firsts as (

    select customer_id, category_name, min(created_date) as first_purchase_date
    from lines
    group by customer_id, category_name

),

purchase_spans as (

    select
        customer_id,
        min(created_date) as first_purchase_date,
        max(created_date) as last_purchase_date,
        sum(line_paid_amount) as paid_amount
    from lines
    group by customer_id

),

-- the last two purchase days, for customers with at least one before them
recent_purchase_days as (

    select
        customer_id,
        max(case when day_rank = 2 then created_date end) as recent_from_date
    from (
        select
            customer_id,
            created_date,
            dense_rank() over (partition by customer_id order by created_date desc) as day_rank
        from lines
    ) as ranked
    group by customer_id
    having max(day_rank) >= 3

),

recent_categories as (

    select
        lines.customer_id,
        sum(case when category_firsts.first_purchase_date >= recent_purchase_days.recent_from_date
            then lines.line_paid_amount else 0 end) as new_category_paid_amount,
        sum(lines.line_paid_amount) as recent_paid_amount
    from lines
    inner join recent_purchase_days
        on lines.customer_id = recent_purchase_days.customer_id
        and lines.created_date >= recent_purchase_days.recent_from_date
    inner join category_firsts
        on lines.customer_id = category_firsts.customer_id
        and lines.category_name = category_firsts.category_name
    group by lines.customer_id

),

aged_out as (

    select
        lines.customer_id,
        sum(lines.line_paid_amount) as aged_out_paid_amount
    from lines
    inner join life_stages
        on lines.category_name = life_stages.category_name
    inner join category_firsts
        on lines.customer_id = category_firsts.customer_id
        and lines.category_name = category_firsts.category_name
    where {{ dbt.datediff('category_firsts.first_purchase_date', as_of_date(), 'day') }}
        > life_stages.need_lasts_days
    group by lines.customer_id

),

stopped_categories as (

    select
        replenishment.customer_id,
        count(*) as stopped_category_count
    from replenishment
    inner join purchase_spans
        on replenishment.customer_id = purchase_spans.customer_id
    where replenishment.replenishment_status = 'overdue'
        and -replenishment.days_until_due > replenishment.expected_interval_days
        and purchase_spans.last_purchase_date > replenishment.expected_next_purchase_date
    group by replenishment.customer_id

),

final as (

    select
        habits.customer_id,
        {{ as_of_date() }} as as_of_date,
        habits.purchase_count,
        habits.discount_share,
        habits.promotion_order_share,
        habits.price_index,
        cast(coupons.coupon_order_share as decimal(9, 4)) as coupon_order_share,
        cast(coalesce(feedback_signals.price_mention_count, 0) as integer) as price_mention_count,
        cast(coalesce(refund_signals.rejected_refund_count, 0) as integer) as rejected_refund_count,
        cast(coalesce(refund_signals.slow_refund_count, 0) as integer) as slow_refund_count,
        cast(coalesce(refund_signals.after_sales_case_count, 0) as integer)
            as after_sales_case_count,
        cast(coalesce(survey_signals.detractor_answer_count, 0) as integer) as detractor_answer_count,
        cast(coalesce(feedback_signals.service_complaint_count, 0) as integer)
            as service_complaint_count,
        cast(case when last_orders.refund_amount > 0 then 1 else 0 end as integer)
            as last_order_refunded,
        cast(
            case when recent_categories.recent_paid_amount > 0
                then recent_categories.new_category_paid_amount
                    / recent_categories.recent_paid_amount
            end as decimal(9, 4)
        ) as new_category_share,
        cast(
            case when purchase_spans.paid_amount > 0
                then coalesce(aged_out.aged_out_paid_amount, 0) / purchase_spans.paid_amount
                else 0
            end as decimal(9, 4)
        ) as aged_out_spend_share,
        cast(coalesce(stopped_categories.stopped_category_count, 0) as integer)
            as stopped_category_count,
        cast(coalesce(feedback_signals.need_change_mention_count, 0) as integer)
            as need_change_mention_count
    from habits
    left join coupons
        on habits.customer_id = coupons.customer_id
    left join last_orders
        on habits.customer_id = last_orders.customer_id
        and last_orders.order_rank = 1
    left join refund_signals
        on habits.customer_id = refund_signals.customer_id
    left join survey_signals
        on habits.customer_id = survey_signals.customer_id
    left join feedback_signals
        on habits.customer_id = feedback_signals.customer_id
    left join purchase_spans
        on habits.customer_id = purchase_spans.customer_id
    left join recent_categories
        on habits.customer_id = recent_categories.customer_id
    left join aged_out
        on habits.customer_id = aged_out.customer_id
    left join stopped_categories
        on habits.customer_id = stopped_categories.customer_id

)

select * from final
