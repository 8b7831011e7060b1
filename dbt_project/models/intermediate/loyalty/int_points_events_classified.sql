{#- One row per points event the shop's tool exported, up to the as-of day, with what it is
    under the programme's rules. Order earns, clawbacks and expiries are what Fugou computes
    itself (points_ledger), so these rows only explain differences (member_loyalty_reconciliation);
    event points (review, check-in …) are re-priced by the rules; redemptions and manual
    adjustments pass through as the tool recorded them. -#}
with

events as (

    select * from {{ ref('stg_loyalty__points_events') }}
    where event_at < {{ as_of_end_timestamp() }}

),

classified as (

    select
        *,
        {{ points_event_kind('event_type_text', 'event_type', 'points', 'order_id') }} as event_kind
    from events

),

final as (

    select
        points_event_key,
        member_id,
        event_kind,
        event_type_text,
        case when event_kind = 'redeem'
            then {{ redemption_kind("coalesce(event_type_text, '') || ' ' || coalesce(reason, '')") }}
        end as redemption_kind,
        cast(points as integer) as exported_points,
        cast(case
            when event_kind in ({{ "'" ~ loyalty_event_kinds() | join("', '") ~ "'" }})
                then {{ event_kind_points('event_kind', 'points') }}
            when event_kind in ('redeem', 'adjust') then points
        end as integer) as points,
        order_id,
        reason,
        event_at,
        cast({{ dbt.date_trunc('day', 'event_at') }} as date) as event_date
    from classified

)

select * from final
