{#- One row per month (the last loyalty_history_months, the as-of month to the as-of day):
    points earned, redeemed, expired and clawed back, the points outstanding at the month's end
    and what they are worth (the liability), and the redemption and breakage rates of all
    points earned to that day. -#}
{%- set programme = loyalty_programme() %}
with

months as (

    {{ month_ends(var('loyalty_history_months')) }}

),

ledger as (

    select * from {{ ref('points_ledger') }}

),

moves as (

    select
        months.month_start_date,
        sum(case when ledger.event_type = 'earn' then ledger.points else 0 end) as earned_points,
        sum(case when ledger.event_type = 'redeem' then -ledger.points else 0 end) as redeemed_points,
        sum(case when ledger.event_type = 'expire' then -ledger.points else 0 end) as expired_points,
        sum(case when ledger.event_type = 'clawback' then -ledger.points else 0 end) as clawed_back_points,
        sum(case when ledger.event_type = 'adjust' then ledger.points else 0 end) as adjusted_points
    from months
    inner join ledger
        on ledger.event_date between months.month_start_date and months.month_end_date
    group by months.month_start_date

),

to_date as (

    select
        months.month_start_date,
        sum(ledger.points) as outstanding_points,
        sum(case when ledger.event_type = 'earn' then ledger.points else 0 end)
            - sum(case when ledger.event_type = 'clawback' then -ledger.points else 0 end) as kept_earned_points,
        sum(case when ledger.event_type = 'redeem' then -ledger.points else 0 end) as redeemed_points,
        sum(case when ledger.event_type = 'expire' then -ledger.points else 0 end) as expired_points
    from months
    inner join ledger
        on ledger.event_date <= months.month_end_date
    group by months.month_start_date

),

final as (

    select
        months.month_start_date,
        months.month_end_date,
        cast(coalesce(moves.earned_points, 0) as bigint) as earned_points,
        cast(coalesce(moves.redeemed_points, 0) as bigint) as redeemed_points,
        cast(coalesce(moves.expired_points, 0) as bigint) as expired_points,
        cast(coalesce(moves.clawed_back_points, 0) as bigint) as clawed_back_points,
        cast(coalesce(moves.adjusted_points, 0) as bigint) as adjusted_points,
        cast(coalesce(to_date.outstanding_points, 0) as bigint) as outstanding_points,
        cast(coalesce(to_date.outstanding_points, 0) * {{ loyalty_decimal(programme.point_value_yuan) }}
            as decimal(18, 2)) as points_liability_amount,
        cast(to_date.redeemed_points * 1.0 / nullif(to_date.kept_earned_points, 0) as decimal(9, 4))
            as redemption_rate_to_date,
        cast(to_date.expired_points * 1.0 / nullif(to_date.kept_earned_points, 0) as decimal(9, 4))
            as breakage_rate_to_date
    from months
    left join moves
        on months.month_start_date = moves.month_start_date
    left join to_date
        on months.month_start_date = to_date.month_start_date

)

select * from final
