{#- One row per lot with points that expire: how many, and on which day (past days: expired;
    later days: scheduled, assuming the member spends nothing more).

    Spending takes the oldest points first (FIFO). With lots in expiry order, the points expired
    by lot k are the running maximum of (lots credited through k) minus (points spent by k's
    expiry day), floored at 0: what is left of the oldest lots when each comes due. Spending is
    redemptions, adjustments down and clawbacks that came after their lot had expired; a
    clawback before that came out of its own lot (int_points_lots). -#}
with

lots as (

    select * from {{ ref('int_points_lots') }}
    where expires_date is not null

),

spends as (

    select member_id, event_date as spent_date, -points as spent_points
    from {{ ref('int_points_events_classified') }}
    where event_kind = 'redeem' or (event_kind = 'adjust' and points < 0)
    union all
    select member_id, refunded_date, clawback_points
    from {{ ref('int_points_clawbacks') }}
    where is_after_expiry

),

lots_in_order as (

    select
        lots.*,
        sum(lot_points) over (
            partition by member_id
            order by expires_date, earned_at, lot_key
            rows between unbounded preceding and current row
        ) as credited_through_points
    from lots

),

spent_by_expiry as (

    select
        lots_in_order.member_id,
        lots_in_order.lot_key,
        coalesce(sum(spends.spent_points), 0) as spent_points
    from lots_in_order
    left join spends
        on lots_in_order.member_id = spends.member_id
        and spends.spent_date <= lots_in_order.expires_date
    group by lots_in_order.member_id, lots_in_order.lot_key

),

expired_through as (

    select
        lots_in_order.member_id,
        lots_in_order.lot_key,
        lots_in_order.expires_date,
        lots_in_order.earned_at,
        greatest(0, max(lots_in_order.credited_through_points - spent_by_expiry.spent_points) over (
            partition by lots_in_order.member_id
            order by lots_in_order.expires_date, lots_in_order.earned_at, lots_in_order.lot_key
            rows between unbounded preceding and current row
        )) as expired_through_points
    from lots_in_order
    inner join spent_by_expiry
        on lots_in_order.member_id = spent_by_expiry.member_id
        and lots_in_order.lot_key = spent_by_expiry.lot_key

),

final as (

    select
        member_id,
        lot_key,
        expires_date,
        cast(expired_through_points - coalesce(lag(expired_through_points) over (
            partition by member_id order by expires_date, earned_at, lot_key
        ), 0) as integer) as expiring_points,
        expires_date <= {{ as_of_date() }} as has_expired
    from expired_through

)

select * from final
where expiring_points > 0
