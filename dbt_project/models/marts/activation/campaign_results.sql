{#- One row per audience, send wave, group (treatment or holdout) and day since the send (day 1
    is the send day), for the days tonight can see of var campaign_measurement_days: that day's
    orders and revenue, and the running totals since the send, for the curves on the dashboard.
    Every order of a member counts, whoever gets credit for it; refunds net out. -#}
with

members as (

    select * from {{ ref('campaign_member_outcomes') }}

),

orders as (

    {{ paid_orders_with_margin() }}

),

days as (

    {{ dbt.generate_series(var('campaign_measurement_days')) }}

),

member_orders as (

    -- each member's orders in the window, by day since the send
    select
        members.send_key,
        {{ dbt.datediff('cast(members.sent_at as date)', 'cast(orders.paid_at as date)', 'day') }} + 1
            as day_number,
        orders.is_purchase,
        orders.net_revenue_amount,
        orders.gross_margin_amount
    from members
    inner join orders
        on members.customer_id = orders.customer_id
        and orders.paid_at >= members.sent_at
        and {{ dbt.datediff('cast(members.sent_at as date)', 'cast(orders.paid_at as date)', 'day') }}
            < {{ var('campaign_measurement_days') }}

),

member_days as (

    -- each member's first purchase day, for the running conversion
    select
        send_key,
        min(case when is_purchase then day_number end) as first_purchase_day
    from member_orders
    group by send_key

),

daily_orders as (

    select
        members.audience_name,
        members.wave_date,
        members.treatment_group,
        member_orders.day_number,
        count(case when member_orders.is_purchase then 1 end) as purchase_count,
        sum(member_orders.net_revenue_amount) as net_revenue_amount,
        sum(member_orders.gross_margin_amount) as gross_margin_amount
    from member_orders
    inner join members
        on member_orders.send_key = members.send_key
    group by 1, 2, 3, 4

),

daily_conversions as (

    select
        members.audience_name,
        members.wave_date,
        members.treatment_group,
        member_days.first_purchase_day as day_number,
        count(*) as new_buyer_count
    from member_days
    inner join members
        on member_days.send_key = members.send_key
    where member_days.first_purchase_day is not null
    group by 1, 2, 3, 4

),

groups as (

    select
        audience_name,
        wave_date,
        treatment_group,
        min(sent_at) as sent_at,
        max(days_observed) as days_observed,
        count(*) as member_count
    from members
    group by 1, 2, 3

),

grid as (

    select
        groups.audience_name,
        groups.wave_date,
        groups.treatment_group,
        groups.member_count,
        days.generated_number as day_number,
        {{ dbt.dateadd('day', 'days.generated_number - 1', 'cast(groups.sent_at as date)') }} as result_date,
        coalesce(daily_conversions.new_buyer_count, 0) as new_buyer_count,
        coalesce(daily_orders.purchase_count, 0) as purchase_count,
        coalesce(daily_orders.net_revenue_amount, 0) as net_revenue_amount,
        coalesce(daily_orders.gross_margin_amount, 0) as gross_margin_amount
    from groups
    inner join days
        on days.generated_number <= groups.days_observed
    left join daily_orders
        on groups.audience_name = daily_orders.audience_name
        and groups.wave_date = daily_orders.wave_date
        and groups.treatment_group = daily_orders.treatment_group
        and days.generated_number = daily_orders.day_number
    left join daily_conversions
        on groups.audience_name = daily_conversions.audience_name
        and groups.wave_date = daily_conversions.wave_date
        and groups.treatment_group = daily_conversions.treatment_group
        and days.generated_number = daily_conversions.day_number

),

running as (

    select
        *,
        sum(new_buyer_count) over (
            partition by audience_name, wave_date, treatment_group
            order by day_number rows between unbounded preceding and current row
        ) as cumulative_buyer_count,
        sum(purchase_count) over (
            partition by audience_name, wave_date, treatment_group
            order by day_number rows between unbounded preceding and current row
        ) as cumulative_purchase_count,
        sum(net_revenue_amount) over (
            partition by audience_name, wave_date, treatment_group
            order by day_number rows between unbounded preceding and current row
        ) as cumulative_net_revenue_amount,
        sum(gross_margin_amount) over (
            partition by audience_name, wave_date, treatment_group
            order by day_number rows between unbounded preceding and current row
        ) as cumulative_gross_margin_amount
    from grid

),

final as (

    select
        audience_name,
        wave_date,
        treatment_group,
        cast(day_number as integer) as day_number,
        cast(result_date as date) as result_date,
        cast(member_count as integer) as member_count,
        cast(new_buyer_count as integer) as new_buyer_count,
        cast(purchase_count as integer) as purchase_count,
        cast(net_revenue_amount as decimal(18, 2)) as net_revenue_amount,
        cast(gross_margin_amount as decimal(18, 2)) as gross_margin_amount,
        cast(cumulative_buyer_count as integer) as cumulative_buyer_count,
        cast(cumulative_purchase_count as integer) as cumulative_purchase_count,
        cast(cumulative_net_revenue_amount as decimal(18, 2)) as cumulative_net_revenue_amount,
        cast(cumulative_gross_margin_amount as decimal(18, 2)) as cumulative_gross_margin_amount,
        cast(cumulative_buyer_count * 1.0 / member_count as decimal(18, 6)) as cumulative_conversion_rate,
        cast(cumulative_net_revenue_amount / member_count as decimal(18, 4))
            as cumulative_net_revenue_per_member
    from running

)

select * from final
