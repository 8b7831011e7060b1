{#- One row per points event up to the as-of day, computed under the shop's rules: earns on
    orders and events, clawbacks on refunds, expiries, and the redemptions and manual
    adjustments the tool recorded. Points are signed (burns, clawbacks and expiries negative);
    balance_after is the member's balance after the event. -#}
with

members as (

    select member_id, customer_id
    from {{ ref('int_loyalty_members_joined_to_customers') }}

),

order_earns as (

    select
        'earn:' || order_id as points_event_key,
        member_id,
        'earn' as event_type,
        'order_earn' as event_kind,
        cast(null as {{ dbt.type_string() }}) as redemption_kind,
        earned_points as points,
        order_id,
        cast(null as {{ dbt.type_string() }}) as refund_id,
        paid_at as event_at,
        'computed' as source
    from {{ ref('int_points_order_earns') }}
    where earned_points <> 0

),

clawbacks as (

    select
        'clawback:' || order_id || ':' || coalesce(refund_id, 'order') as points_event_key,
        member_id,
        'clawback' as event_type,
        'clawback' as event_kind,
        cast(null as {{ dbt.type_string() }}) as redemption_kind,
        -clawback_points as points,
        order_id,
        refund_id,
        refunded_at as event_at,
        'computed' as source
    from {{ ref('int_points_clawbacks') }}
    where clawback_points <> 0

),

exported as (

    select
        'export:' || points_event_key as points_event_key,
        member_id,
        case when event_kind in ('redeem', 'adjust') then event_kind else 'earn' end as event_type,
        event_kind,
        redemption_kind,
        points,
        order_id,
        cast(null as {{ dbt.type_string() }}) as refund_id,
        event_at,
        'exported' as source
    from {{ ref('int_points_events_classified') }}
    where points is not null
        and points <> 0

),

expiries as (

    select
        'expire:' || member_id || ':' || cast(expires_date as {{ dbt.type_string() }}) as points_event_key,
        member_id,
        'expire' as event_type,
        'expire' as event_kind,
        cast(null as {{ dbt.type_string() }}) as redemption_kind,
        -sum(expiring_points) as points,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as refund_id,
        {{ dbt.dateadd('second', 86399, 'cast(expires_date as timestamp)') }} as event_at,
        'computed' as source
    from {{ ref('int_points_expiries') }}
    where has_expired
    group by member_id, expires_date

),

events as (

    select * from order_earns
    union all
    select * from clawbacks
    union all
    select * from exported
    union all
    select * from expiries

),

final as (

    select
        events.points_event_key,
        events.member_id,
        members.customer_id,
        events.event_type,
        events.event_kind,
        events.redemption_kind,
        cast(events.points as integer) as points,
        cast(sum(events.points) over (
            partition by events.member_id
            order by events.event_at, events.points_event_key
            rows between unbounded preceding and current row
        ) as integer) as balance_after,
        events.order_id,
        events.refund_id,
        cast(events.event_at as timestamp) as event_at,
        cast({{ dbt.date_trunc('day', 'events.event_at') }} as date) as event_date,
        events.source
    from events
    inner join members
        on events.member_id = members.member_id

)

select * from final
