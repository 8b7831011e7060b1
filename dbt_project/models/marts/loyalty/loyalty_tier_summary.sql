{#- One row per tier of the programme: members holding it tonight, their net spend over the
    tier window and its share of all members' (the tier spend-share pie), and the points they
    hold. -#}
{%- set programme = loyalty_programme() %}
with

tiers as (

    select * from {{ ref('tier_benefits') }}

),

members as (

    select * from {{ ref('loyalty_members') }}

),

spend as (

    select
        member_id,
        sum(goods_paid_amount - refund_amount) as net_spend_amount
    from {{ ref('int_loyalty_orders_earning') }}
    where paid_date > cast({{ dbt.dateadd('month', -programme.tier_window_months, as_of_date()) }} as date)
    group by member_id

),

by_tier as (

    select
        members.tier_rank,
        count(*) as member_count,
        sum(coalesce(spend.net_spend_amount, 0)) as net_spend_amount,
        sum(members.points_balance) as points_balance
    from members
    left join spend
        on members.member_id = spend.member_id
    group by members.tier_rank

),

final as (

    select
        tiers.tier_rank,
        tiers.member_tier,
        cast(coalesce(by_tier.member_count, 0) as integer) as member_count,
        cast(coalesce(by_tier.net_spend_amount, 0) as decimal(18, 2)) as net_spend_amount,
        cast(coalesce(by_tier.net_spend_amount, 0) * 1.0
            / nullif(sum(coalesce(by_tier.net_spend_amount, 0)) over (), 0) as decimal(9, 4)) as net_spend_share,
        cast(coalesce(by_tier.member_count, 0) * 1.0
            / nullif(sum(coalesce(by_tier.member_count, 0)) over (), 0) as decimal(9, 4)) as member_share,
        cast(coalesce(by_tier.points_balance, 0) as bigint) as points_balance,
        {{ as_of_date() }} as as_of_date
    from tiers
    left join by_tier
        on tiers.tier_rank = by_tier.tier_rank

)

select * from final
