{#- One row per lot of points a member was credited: an order's earn (less what its refunds
    clawed back before the lot expired), an event's points (review, check-in …) or a manual
    adjustment up. Lots are what expiry works on: each expires on its own day under the policy. -#}
with

order_earns as (

    select * from {{ ref('int_points_order_earns') }}

),

clawed_before_expiry as (

    select
        order_id,
        sum(clawback_points) as clawback_points
    from {{ ref('int_points_clawbacks') }}
    where not is_after_expiry
    group by order_id

),

events as (

    select * from {{ ref('int_points_events_classified') }}
    where event_kind in ({{ "'" ~ loyalty_event_kinds() | join("', '") ~ "'" }})
        or (event_kind = 'adjust' and points > 0)

),

final as (

    select
        order_earns.member_id,
        'order:' || order_earns.order_id as lot_key,
        'order_earn' as lot_kind,
        order_earns.paid_at as earned_at,
        order_earns.paid_date as earned_date,
        order_earns.earned_points - coalesce(clawed_before_expiry.clawback_points, 0) as lot_points,
        order_earns.expires_date
    from order_earns
    left join clawed_before_expiry
        on order_earns.order_id = clawed_before_expiry.order_id

    union all

    select
        member_id,
        'event:' || points_event_key,
        event_kind,
        event_at,
        event_date,
        points,
        {{ points_expiry_date('event_date') }}
    from events

)

select * from final
