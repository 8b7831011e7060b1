{#- One row per member of a send wave (an audience's actions of one night, treatment and
    holdout alike) whose send time has passed: what they bought in the var
    campaign_measurement_days days from the send on, as far as tonight can see. Every order
    counts, whoever gets credit for it (intention to treat): the holdout's orders are the ones
    treatment members would have placed anyway, so the difference is the campaign's effect.
    Refunds net out; margin is after cost of goods (int_orders_costed); the coupon cost and the
    credited orders of treatment members come from order_attributions. The churn and
    repurchase columns serve campaign_verifications, over the audience's goal period. -#}
with

history as (

    select * from {{ ref('contact_history') }}
    where scheduled_send_at < {{ as_of_end_timestamp() }}

),

definitions as (

    select audience_name, goal_period_days
    from {{ ref('audience_definitions') }}

),

orders as (

    {{ paid_orders_with_margin() }}

),

attributions as (

    select
        send_key,
        count(*) as credited_order_count,
        sum(net_revenue_amount) as credited_net_revenue_amount,
        sum(case when attribution_method = 'coupon' then 1 else 0 end) as coupon_redeemed_count,
        sum(coupon_cost_amount) as coupon_cost_amount
    from {{ ref('order_attributions') }}
    group by send_key

),

members as (

    select
        history.send_key,
        history.audience_name,
        history.as_of_date as wave_date,
        history.customer_id,
        history.treatment_group,
        history.channels,
        history.scheduled_send_at as sent_at,
        -- the window ends at midnight after its last day
        {{ dbt.dateadd('day', var('campaign_measurement_days'),
            'cast(cast(history.scheduled_send_at as date) as timestamp)') }} as window_ends_at,
        -- whole days seen since the send day, the send day being day 1
        least(
            {{ dbt.datediff('cast(history.scheduled_send_at as date)', as_of_date(), 'day') }} + 1,
            {{ var('campaign_measurement_days') }}
        ) as days_observed,
        definitions.goal_period_days
    from history
    left join definitions
        on history.audience_name = definitions.audience_name

),

window_orders as (

    select
        members.send_key,
        count(case when orders.is_purchase then 1 end) as purchase_count,
        coalesce(sum(orders.net_revenue_amount), 0) as net_revenue_amount,
        coalesce(sum(orders.gross_margin_amount), 0) as gross_margin_amount
    from members
    inner join orders
        on members.customer_id = orders.customer_id
        and orders.paid_at >= members.sent_at
        and orders.paid_at < members.window_ends_at
    group by members.send_key

),

last_purchase_before as (

    select
        members.send_key,
        max(orders.paid_at) as last_purchase_at
    from members
    inner join orders
        on members.customer_id = orders.customer_id
        and orders.paid_at < members.sent_at
        and orders.is_purchase
    group by members.send_key

),

goal_period_purchases as (

    select
        members.send_key,
        max(orders.paid_at) as last_purchase_at
    from members
    inner join orders
        on members.customer_id = orders.customer_id
        and orders.paid_at >= members.sent_at
        and orders.paid_at < {{ dbt.dateadd('day', 'members.goal_period_days', 'members.sent_at') }}
        and orders.is_purchase
    where members.goal_period_days is not null
    group by members.send_key

),

final as (

    select
        members.send_key,
        members.audience_name,
        members.wave_date,
        members.customer_id,
        members.treatment_group,
        members.channels,
        members.sent_at,
        cast(members.days_observed as integer) as days_observed,
        members.days_observed = {{ var('campaign_measurement_days') }} as is_window_complete,
        coalesce(window_orders.purchase_count, 0) > 0 as has_purchased,
        cast(coalesce(window_orders.purchase_count, 0) as integer) as purchase_count,
        cast(coalesce(window_orders.net_revenue_amount, 0) as decimal(18, 2)) as net_revenue_amount,
        cast(coalesce(window_orders.gross_margin_amount, 0) as decimal(18, 2)) as gross_margin_amount,
        cast(coalesce(attributions.credited_order_count, 0) as integer) as credited_order_count,
        cast(coalesce(attributions.credited_net_revenue_amount, 0) as decimal(18, 2))
            as credited_net_revenue_amount,
        cast(coalesce(attributions.coupon_redeemed_count, 0) as integer) as coupon_redeemed_count,
        cast(coalesce(attributions.coupon_cost_amount, 0) as decimal(18, 2)) as coupon_cost_amount,
        -- the goal period (the audience's goal, campaign_verifications): over once it has passed
        {{ dbt.dateadd('day', 'members.goal_period_days', 'members.sent_at') }}
            <= {{ as_of_end_timestamp() }} as is_goal_period_over,
        goal_period_purchases.send_key is not null as has_repurchased_in_goal_period,
        -- churned at the period's end: no purchase for longer than var lifecycle_churn_after_days
        {{ dbt.datediff(
            'cast(coalesce(goal_period_purchases.last_purchase_at, last_purchase_before.last_purchase_at) as date)',
            'cast(' ~ dbt.dateadd('day', 'members.goal_period_days', 'members.sent_at') ~ ' as date)',
            'day') }} > {{ var('lifecycle_churn_after_days') }} as is_churned_at_goal_period_end
    from members
    left join window_orders
        on members.send_key = window_orders.send_key
    left join attributions
        on members.send_key = attributions.send_key
    left join last_purchase_before
        on members.send_key = last_purchase_before.send_key
    left join goal_period_purchases
        on members.send_key = goal_period_purchases.send_key

)

select * from final
