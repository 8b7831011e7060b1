{#- One row per loyalty member with the customer they are, the tier and points balance Fugou
    computes under the shop's rules (and the ones the member list exported, beside them), how
    far the next tier is and the points about to expire. -#}
{%- set programme = loyalty_programme() %}
with

members as (

    select * from {{ ref('int_loyalty_members_joined_to_customers') }}

),

current_tiers as (

    select member_id, tier_rank, member_tier, valid_from_date, change_kind
    from {{ ref('int_member_tier_stretches') }}
    where is_current

),

current_measures as (

    select member_id, tier_measure
    from (
        select
            member_id,
            tier_measure,
            row_number() over (partition by member_id order by change_date desc) as recency_rank
        from {{ ref('int_member_tier_measures') }}
    ) as ranked
    where recency_rank = 1

),

balances as (

    select member_id, points_balance
    from {{ ref('member_points_balances') }}
    where valid_to_date is null

),

expiring as (

    select
        member_id,
        sum(expiring_points) as expiring_points,
        min(expires_date) as next_expiry_date
    from {{ ref('int_points_expiries') }}
    where not has_expired
        and expires_date <= cast({{ dbt.dateadd('day', 30, as_of_date()) }} as date)
    group by member_id

),

final as (

    select
        members.member_id,
        members.customer_id,
        coalesce(current_tiers.member_tier, {{ tier_setting('0', 'name') }}) as member_tier,
        coalesce(current_tiers.tier_rank, 0) as tier_rank,
        current_tiers.valid_from_date as tier_since_date,
        case when current_tiers.valid_from_date = {{ as_of_date() }}
            and current_tiers.change_kind in ('upgrade', 'downgrade')
            then current_tiers.change_kind end as tier_change_tonight,
        cast(coalesce(current_measures.tier_measure, 0) as decimal(18, 2)) as tier_measure,
        {{ tier_setting('coalesce(current_tiers.tier_rank, 0) + 1', 'name') }} as next_member_tier,
        cast({{ tier_setting('coalesce(current_tiers.tier_rank, 0) + 1', 'threshold') }}
            - coalesce(current_measures.tier_measure, 0) as decimal(18, 2)) as next_tier_gap,
        coalesce(
            {{ tier_setting('coalesce(current_tiers.tier_rank, 0) + 1', 'threshold') }}
                - coalesce(current_measures.tier_measure, 0)
            <= {{ loyalty_decimal(programme.near_next_tier_share) }}
                * {{ tier_setting('coalesce(current_tiers.tier_rank, 0) + 1', 'threshold') }},
            false
        ) as is_near_next_tier,
        cast(coalesce(balances.points_balance, 0) as integer) as points_balance,
        cast(coalesce(expiring.expiring_points, 0) as integer) as points_expiring_30d,
        expiring.next_expiry_date,
        members.exported_member_tier,
        members.exported_points_balance,
        members.birth_month,
        members.birth_day,
        {{ age_band('members.birth_year') }} as age_band,
        members.gender,
        members.joined_at,
        members.joined_date,
        members.join_channel,
        members.has_wechat_unionid
    from members
    left join current_tiers
        on members.member_id = current_tiers.member_id
    left join current_measures
        on members.member_id = current_measures.member_id
    left join balances
        on members.member_id = balances.member_id
    left join expiring
        on members.member_id = expiring.member_id

)

select * from final
