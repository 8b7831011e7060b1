{#- Orders up to the as-of day with their customer and the money they brought.

    A purchase is an order that was paid and not closed (paid, shipped or completed); orders
    closed before payment and orders refunded in full are kept but are not purchases. -#}
with

orders as (

    select * from {{ ref('int_orders_unioned') }}
    where created_at < {{ as_of_end_timestamp() }}

),

records as (

    select * from {{ ref('int_identity_records') }}

),

with_customer as (

    -- Only what the marts read: this table is rewritten every night, and the pseudonymised
    -- identifiers and lineage columns cost more to store than everything else together.
    select
        orders.order_id,
        records.customer_id,
        orders.channel,
        orders.source_system,
        orders.shop_id,
        orders.order_state,
        orders.order_status_text,
        orders.goods_amount,
        orders.postage_amount,
        orders.coupon_amount,
        orders.buyer_paid_amount,
        orders.export_refund_amount,
        orders.item_quantity,
        orders.is_mobile_order,
        orders.is_presale,
        orders.receiver_province,
        orders.receiver_city,
        orders.created_at,
        orders.paid_at,
        orders.shipped_at,
        orders.confirmed_at
    from orders
    left join records
        on records.record_key = 'order:' || orders.order_id

),

money as (

    select
        *,
        order_state in ('paid', 'shipped', 'completed') as is_purchase,
        cast(
            case when order_state in ('paid', 'shipped', 'completed', 'closed_refunded')
                then buyer_paid_amount else 0 end
            as decimal(18, 2)
        ) as paid_amount,
        cast(
            case
                when order_state = 'closed_refunded' and export_refund_amount = 0
                    then buyer_paid_amount
                when order_state in ('paid', 'shipped', 'completed', 'closed_refunded')
                    then least(export_refund_amount, buyer_paid_amount)
                else 0
            end
            as decimal(18, 2)
        ) as refund_amount
    from with_customer

),

final as (

    select
        *,
        cast(paid_amount - refund_amount as decimal(18, 2)) as net_revenue_amount,
        cast({{ dbt.date_trunc('day', 'created_at') }} as date) as created_date,
        case when is_purchase then
            cast(row_number() over (
                partition by customer_id, is_purchase
                order by created_at, order_id
            ) as integer)
        end as purchase_sequence_number
    from money

)

select * from final
