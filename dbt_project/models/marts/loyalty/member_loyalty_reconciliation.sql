{#- One row per member: the tier and points balance the member list exported against what the
    shop's rules compute for the same day (the list's export day), and the reason for each
    difference.

    Points: the difference (exported minus computed) is split into refunds the tool did not
    claw back, expiries it did not apply, and earns it priced differently from the rules;
    what those do not account for is unknown. Tier: a tier the programme does not have, a
    tier below the one the rules give, a tier the gross (refunds not netted) measure would give,
    a tier held before a review that should have ended it, or unknown. -#}
{%- set programme = loyalty_programme() %}
{%- set factor = programme.points_per_yuan if programme.tier_basis == 'points' else 1 %}
with

members as (

    select * from {{ ref('int_loyalty_members_joined_to_customers') }}

),

ledger as (

    select
        points_event_key,
        member_id,
        event_kind,
        points,
        balance_after,
        event_at,
        event_date
    from {{ ref('points_ledger') }}

),

computed_balances as (

    select member_id, balance_after as points_balance
    from (
        select
            ledger.member_id,
            ledger.balance_after,
            row_number() over (
                partition by ledger.member_id
                order by ledger.event_at desc, ledger.points_event_key desc
            ) as recency_rank
        from ledger
        inner join members
            on ledger.member_id = members.member_id
            and ledger.event_date <= members.exported_date
    ) as ranked
    where recency_rank = 1

),

computed_moves as (

    select
        ledger.member_id,
        sum(case when ledger.event_kind = 'clawback' then -ledger.points else 0 end) as clawback_points,
        sum(case when ledger.event_kind = 'expire' then -ledger.points else 0 end) as expired_points,
        sum(case when ledger.event_kind in ('order_earn', {{ "'" ~ loyalty_event_kinds() | join("', '") ~ "'" }})
            then ledger.points else 0 end) as earned_points
    from ledger
    inner join members
        on ledger.member_id = members.member_id
        and ledger.event_date <= members.exported_date
    group by ledger.member_id

),

exported_moves as (

    select
        events.member_id,
        sum(case when events.event_kind = 'clawback' then -events.exported_points else 0 end) as clawback_points,
        sum(case when events.event_kind = 'expire' then -events.exported_points else 0 end) as expired_points,
        sum(case when events.event_kind in ('order_earn', {{ "'" ~ loyalty_event_kinds() | join("', '") ~ "'" }})
            then events.exported_points else 0 end) as earned_points
    from {{ ref('int_points_events_classified') }} as events
    inner join members
        on events.member_id = members.member_id
        and events.event_date <= members.exported_date
    group by events.member_id

),

tiers_at_export as (

    select
        members.member_id,
        max(case when stretches.valid_from_date <= members.exported_date
            and (stretches.valid_to_date is null or stretches.valid_to_date > members.exported_date)
            then stretches.tier_rank end) as tier_rank,
        max(case when stretches.valid_from_date <= members.exported_date
            then stretches.tier_rank end) as highest_tier_rank
    from members
    inner join {{ ref('int_member_tier_stretches') }} as stretches
        on members.member_id = stretches.member_id
    group by members.member_id

),

gross_measures as (

    select
        members.member_id,
        sum(orders.goods_paid_amount) * {{ loyalty_decimal(factor) }} as gross_measure
    from members
    inner join {{ ref('int_loyalty_orders_earning') }} as orders
        on members.member_id = orders.member_id
        and orders.paid_date <= members.exported_date
        and orders.paid_date > cast({{ dbt.dateadd('month', -programme.tier_window_months, 'members.exported_date') }} as date)
    group by members.member_id

),

compared as (

    select
        members.member_id,
        members.customer_id,
        members.exported_date,
        members.exported_points_balance,
        cast(coalesce(computed_balances.points_balance, 0) as integer) as computed_points_balance,
        cast(coalesce(computed_moves.clawback_points, 0) - coalesce(exported_moves.clawback_points, 0) as integer)
            as unclawed_refund_points,
        cast(coalesce(computed_moves.expired_points, 0) - coalesce(exported_moves.expired_points, 0) as integer)
            as unapplied_expiry_points,
        cast(coalesce(exported_moves.earned_points, 0) - coalesce(computed_moves.earned_points, 0) as integer)
            as earn_difference_points,
        members.exported_member_tier,
        {{ tier_setting('coalesce(tiers_at_export.tier_rank, 0)', 'name') }} as computed_member_tier,
        case members.exported_member_tier
            {%- for tier in programme.tiers %}
            when '{{ tier.name }}' then {{ loop.index0 }}
            {%- endfor %}
        end as exported_tier_rank,
        coalesce(tiers_at_export.tier_rank, 0) as computed_tier_rank,
        coalesce(tiers_at_export.highest_tier_rank, 0) as highest_tier_rank,
        {{ qualifying_tier_rank('coalesce(gross_measures.gross_measure, 0)') }} as gross_tier_rank
    from members
    left join computed_balances
        on members.member_id = computed_balances.member_id
    left join computed_moves
        on members.member_id = computed_moves.member_id
    left join exported_moves
        on members.member_id = exported_moves.member_id
    left join tiers_at_export
        on members.member_id = tiers_at_export.member_id
    left join gross_measures
        on members.member_id = gross_measures.member_id

),

final as (

    select
        member_id,
        customer_id,
        exported_date,
        exported_points_balance,
        computed_points_balance,
        exported_points_balance - computed_points_balance as points_difference,
        unclawed_refund_points,
        unapplied_expiry_points,
        earn_difference_points,
        case
            when exported_points_balance = computed_points_balance then 'matches'
            when exported_points_balance - computed_points_balance
                <> unclawed_refund_points + unapplied_expiry_points + earn_difference_points then 'unknown'
            else {{ dbt.concat([
                "case when unclawed_refund_points <> 0 then 'refund_not_clawed_back' else '' end",
                "case when unclawed_refund_points <> 0 and unapplied_expiry_points <> 0 then ', ' else '' end",
                "case when unapplied_expiry_points <> 0 then 'expiry_not_applied' else '' end",
                "case when (unclawed_refund_points <> 0 or unapplied_expiry_points <> 0) and earn_difference_points <> 0 then ', ' else '' end",
                "case when earn_difference_points <> 0 then 'earn_rules_differ' else '' end",
            ]) }}
        end as points_mismatch_reason,
        exported_member_tier,
        computed_member_tier,
        case
            when exported_member_tier = computed_member_tier then 'matches'
            when exported_member_tier is null then 'not_exported'
            when exported_tier_rank is null then 'tier_not_in_programme'
            when exported_tier_rank < computed_tier_rank then 'upgrade_not_applied'
            when exported_tier_rank = gross_tier_rank then 'refunds_not_netted'
            when exported_tier_rank <= highest_tier_rank then 'downgrade_not_applied'
            else 'unknown'
        end as tier_mismatch_reason
    from compared

)

select * from final
