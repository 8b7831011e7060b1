{#- One row per order that earns points: the amount paid for goods times points_per_yuan, times the
    multiplier of the tier held when the day began (an order does not raise its own rate) and
    the birthday-month multiplier, rounded down to whole points. -#}
{%- set programme = loyalty_programme() %}
with

orders as (

    select * from {{ ref('int_loyalty_orders_earning') }}

),

tiers as (

    select * from {{ ref('int_member_tier_stretches') }}

),

with_tier as (

    select
        orders.*,
        coalesce(tiers.tier_rank, 0) as tier_rank
    from orders
    left join tiers
        on orders.member_id = tiers.member_id
        and tiers.valid_from_date < orders.paid_date
        -- no OR in the join: DuckDB would loop over every pair instead of hashing on member_id
        and coalesce(tiers.valid_to_date, cast('9999-12-31' as date)) >= orders.paid_date

),

final as (

    select
        member_id,
        customer_id,
        order_id,
        paid_at,
        paid_date,
        goods_paid_amount,
        tier_rank,
        is_birthday_month,
        cast(floor(
            cast(goods_paid_amount as decimal(38, 6))
            * {{ loyalty_decimal(programme.points_per_yuan) }}
            * cast(
                {{ tier_setting('tier_rank', 'points_multiplier') }}
                * case when is_birthday_month
                    then {{ loyalty_decimal(programme.birthday_month_multiplier) }}
                    else {{ loyalty_decimal(1) }} end
                as decimal(18, 4)
            )
        ) as integer) as earned_points,
        {{ points_expiry_date('paid_date') }} as expires_date
    from with_tier

)

select * from final
