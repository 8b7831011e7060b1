{#- One row per order credited to an action Fugou sent: the coupon's action when the order
    shows that coupon's use, else the latest action sent to the customer whose channel window
    (var attribution_window_days) the order falls in. Only actions that went out count: a
    holdout's action was never sent, and an SMS whose receipt says it failed never arrived.

    An order shows a coupon's use when its coupon deduction (优惠 / 天猫卡券抵扣 / discount_fee,
    whichever the export carries) covers the offer: at least the amount of an amount_off or
    no_threshold offer, at least the share off of a discount offer, within var coupon_valid_days
    of the send. The shop's own promotions (a 10% 双11 discount) do not cover a 30-yuan coupon or
    an 85折 offer, so they are not taken for our coupons. The coupon cost is what the offer
    took off that order. Refunds net out: revenue and margin are after refunds known tonight.

    Last-touch credit is not proof that the action caused the order: campaign_lift compares
    treatment with the holdout for that. -#}
with

history as (

    select * from {{ ref('contact_history') }}
    where queue_status = 'queued'
        and coalesce(delivery_status, 'unknown') <> 'failed'

),

orders as (

    {{ paid_orders_with_margin() }}

),

touches as (

    select
        send_key,
        customer_id,
        audience_name,
        as_of_date as wave_date,
        channels,
        offer_kind,
        offer_value,
        scheduled_send_at as sent_at,
        {{ dbt.dateadd('day', attribution_window_days('channels'), 'scheduled_send_at') }}
            as window_ends_at,
        case when offer_kind in ('discount', 'amount_off', 'no_threshold')
            then {{ dbt.dateadd('day', var('coupon_valid_days'), 'scheduled_send_at') }}
        end as coupon_expires_at
    from history

),

candidates as (

    select
        orders.order_id,
        touches.send_key,
        touches.audience_name,
        touches.wave_date,
        touches.channels,
        touches.sent_at,
        touches.offer_kind,
        touches.offer_value,
        -- the order shows this action's coupon
        touches.coupon_expires_at is not null
            and orders.paid_at < touches.coupon_expires_at
            and case touches.offer_kind
                when 'discount' then coalesce(orders.coupon_amount, 0)
                    >= orders.goods_amount * (1 - touches.offer_value) - 0.01
                else coalesce(orders.coupon_amount, 0) >= touches.offer_value
            end
            and coalesce(orders.coupon_amount, 0) > 0 as shows_coupon,
        orders.paid_at < touches.window_ends_at as is_in_window
    from orders
    inner join touches
        on orders.customer_id = touches.customer_id
        and orders.paid_at >= touches.sent_at

),

ranked as (

    select
        *,
        row_number() over (
            partition by order_id
            order by
                case when shows_coupon then 0 else 1 end,
                sent_at desc,
                send_key
        ) as credit_rank
    from candidates
    where shows_coupon or is_in_window

),

final as (

    select
        ranked.order_id,
        orders.customer_id,
        ranked.send_key,
        ranked.audience_name,
        ranked.wave_date,
        ranked.channels,
        case when ranked.shows_coupon then 'coupon' else 'window' end as attribution_method,
        ranked.sent_at,
        orders.paid_at,
        cast({{ dbt.datediff('sent_at', 'orders.paid_at', 'hour') }} as integer) as hours_after_send,
        orders.paid_amount,
        orders.refund_amount,
        orders.net_revenue_amount,
        cast(orders.gross_margin_amount as decimal(18, 2)) as gross_margin_amount,
        orders.is_cost_estimated,
        cast(
            case
                when not ranked.shows_coupon then 0
                when ranked.offer_kind = 'discount'
                    then least(orders.coupon_amount, orders.goods_amount * (1 - ranked.offer_value))
                else least(orders.coupon_amount, ranked.offer_value)
            end
            as decimal(18, 2)
        ) as coupon_cost_amount
    from ranked
    inner join orders
        on ranked.order_id = orders.order_id
    where ranked.credit_rank = 1

)

select * from final
