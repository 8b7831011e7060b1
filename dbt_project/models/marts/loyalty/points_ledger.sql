{#- One row per points event up to the as-of day: earned, redeemed, expired or adjusted, with
    the member's customer. Points are signed: redemptions and expiries are negative. -#}
with

events as (

    select * from {{ ref('stg_loyalty__points_events') }}
    where event_at < {{ as_of_end_timestamp() }}

),

links as (

    select id_value as member_id, customer_id
    from {{ ref('int_contact_ids_joined_to_customers') }}
    where id_type = 'member_id'

),

final as (

    select
        events.points_event_key,
        events.member_id,
        links.customer_id,
        events.event_type,
        events.event_type_text,
        cast(events.points as integer) as points,
        cast(events.balance_after as integer) as balance_after,
        events.order_id,
        events.event_at,
        cast({{ dbt.date_trunc('day', 'events.event_at') }} as date) as event_date
    from events
    left join links
        on events.member_id = links.member_id

)

select * from final
