{#- One row per refund of an order that earned points: the points clawed back, in proportion
    to the share of the order refunded. Each is the order's clawback to date minus what earlier
    refunds took, so a full refund takes back exactly what was earned. -#}
with

earns as (

    select * from {{ ref('int_points_order_earns') }}

),

refunds as (

    select
        refunds.*,
        sum(refunds.refund_amount) over (
            partition by refunds.order_id
            order by refunds.refunded_at, refunds.refund_id
            rows between unbounded preceding and current row
        ) as refunded_to_date_amount
    from {{ ref('int_loyalty_refunds_dated') }} as refunds

),

clawed_to_date as (

    select
        refunds.refund_id,
        refunds.order_id,
        earns.member_id,
        refunds.refund_amount,
        refunds.refunded_at,
        refunds.refunded_date,
        earns.expires_date,
        cast(round(
            earns.earned_points * least(refunds.refunded_to_date_amount, earns.goods_paid_amount)
                / earns.goods_paid_amount,
            0
        ) as integer) as clawed_to_date_points
    from refunds
    inner join earns
        on refunds.order_id = earns.order_id

),

final as (

    select
        refund_id,
        order_id,
        member_id,
        refund_amount,
        refunded_at,
        refunded_date,
        clawed_to_date_points - coalesce(lag(clawed_to_date_points) over (
            partition by order_id order by refunded_at, refund_id
        ), 0) as clawback_points,
        expires_date is not null and refunded_date >= expires_date as is_after_expiry
    from clawed_to_date

)

select * from final
