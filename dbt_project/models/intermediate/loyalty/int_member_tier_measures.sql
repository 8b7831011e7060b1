{#- One row per member per day their tier measure changed, up to the as-of day: the measure
    over the rolling tier_window_months and the tier it qualifies for.

    The measure is net spend (paid for goods minus refunded, CNY) or, with tier_basis points, base points
    (net spend times points_per_yuan plus event points: growth value before any multiplier, so
    a tier never feeds its own multiplier). An order enters on its paid day and leaves the
    window tier_window_months later; its refunds leave with it. -#}
{%- set programme = loyalty_programme() %}
{%- set factor = programme.points_per_yuan if programme.tier_basis == 'points' else 1 %}
{%- set window = programme.tier_window_months %}
with

orders as (

    select
        member_id,
        order_id,
        paid_date,
        goods_paid_amount,
        cast({{ dbt.dateadd('month', window, 'paid_date') }} as date) as leaves_window_date
    from {{ ref('int_loyalty_orders_earning') }}

),

refunds as (

    select
        refunds.member_id,
        refunds.refunded_date,
        refunds.refund_amount,
        orders.leaves_window_date
    from {{ ref('int_loyalty_refunds_dated') }} as refunds
    inner join orders
        on refunds.order_id = orders.order_id
    where refunds.refunded_date < orders.leaves_window_date

),

deltas as (

    select member_id, paid_date as change_date, goods_paid_amount * {{ loyalty_decimal(factor) }} as delta
    from orders
    union all
    select member_id, leaves_window_date, -goods_paid_amount * {{ loyalty_decimal(factor) }}
    from orders
    union all
    select member_id, refunded_date, -refund_amount * {{ loyalty_decimal(factor) }}
    from refunds
    union all
    select member_id, leaves_window_date, refund_amount * {{ loyalty_decimal(factor) }}
    from refunds
    {%- if programme.tier_basis == 'points' %}
    union all
    select member_id, event_date, cast(points as decimal(18, 4))
    from {{ ref('int_points_events_classified') }}
    where event_kind in ({{ "'" ~ loyalty_event_kinds() | join("', '") ~ "'" }})
    union all
    select member_id, cast({{ dbt.dateadd('month', window, 'event_date') }} as date), -cast(points as decimal(18, 4))
    from {{ ref('int_points_events_classified') }}
    where event_kind in ({{ "'" ~ loyalty_event_kinds() | join("', '") ~ "'" }})
    {%- endif %}

),

by_day as (

    select
        member_id,
        change_date,
        sum(delta) as delta
    from deltas
    where change_date <= {{ as_of_date() }}
    group by member_id, change_date

),

cumulative as (

    select
        member_id,
        change_date,
        sum(delta) over (
            partition by member_id
            order by change_date
            rows between unbounded preceding and current row
        ) as tier_measure
    from by_day

),

final as (

    select
        member_id,
        change_date,
        cast(tier_measure as decimal(18, 2)) as tier_measure,
        {{ qualifying_tier_rank('tier_measure') }} as qualifying_tier_rank
    from cumulative

)

select * from final
