{#- One row per points event: ledgers are exported again and again and overlap, so an event is
    its 流水号 where the tool gives one, else its member, time, type and amount. -#}
with

source as (

    select * from {{ source('raw', 'loyalty_points_events') }}

),

keyed as (

    select
        *,
        coalesce(
            event_id,
            member_id || '|' || cast(event_at as {{ dbt.type_string() }}) || '|' || event_type
                || '|' || cast(points as {{ dbt.type_string() }})
        ) as points_event_key
    from source

),

ranked as (

    select
        *,
        {{ export_recency_rank('points_event_key') }} as export_recency_rank
    from keyed

)

select
    points_event_key,
    member_id,
    event_type as event_type_text,
    case
        when event_type like '%过期%' or lower(event_type) like '%expire%' then 'expire'
        when event_type like '%兑换%' or event_type like '%抵扣%' or event_type like '%使用%'
            or lower(event_type) like '%redeem%' then 'redeem'
        when event_type like '%调整%' or event_type like '%扣除%' or event_type like '%退%'
            or lower(event_type) like '%adjust%' then 'adjust'
        when points > 0 then 'earn'
        else 'adjust'
    end as event_type,
    points,
    balance_after,
    order_id,
    reason,
    event_at
from ranked
where export_recency_rank = 1
