{#- One row per member per day their points balance changed: the balance at the day's close,
    held until valid_to_date (exclusive; null: tonight's balance). A member's balance on any day
    is the row whose days cover it, so no row is written for days nothing happened. -#}
with

ledger as (

    select * from {{ ref('points_ledger') }}

),

last_of_day as (

    select
        member_id,
        customer_id,
        event_date,
        balance_after,
        row_number() over (
            partition by member_id, event_date
            order by event_at desc, points_event_key desc
        ) as recency_rank
    from ledger

),

daily_moves as (

    select
        member_id,
        event_date,
        sum(case when points > 0 then points else 0 end) as credited_points,
        sum(case when points < 0 then -points else 0 end) as debited_points
    from ledger
    group by member_id, event_date

),

final as (

    select
        last_of_day.member_id,
        last_of_day.customer_id,
        last_of_day.event_date as balance_date,
        cast(daily_moves.credited_points as integer) as credited_points,
        cast(daily_moves.debited_points as integer) as debited_points,
        last_of_day.balance_after as points_balance,
        lead(last_of_day.event_date) over (
            partition by last_of_day.member_id order by last_of_day.event_date
        ) as valid_to_date
    from last_of_day
    inner join daily_moves
        on last_of_day.member_id = daily_moves.member_id
        and last_of_day.event_date = daily_moves.event_date
    where last_of_day.recency_rank = 1

)

select * from final
