{#- One row per refund request made up to the as-of day, with the customer of its order.

    State, kind and amount are as the newest export shows them; a refund that has not finished
    has no finished_at. Refund rate marts weigh these against fct_orders. -#}
with

refunds as (

    select * from {{ ref('int_refunds_unioned') }}
    where applied_at < {{ as_of_end_timestamp() }}

),

orders as (

    select
        order_id,
        customer_id,
        channel
    from {{ ref('int_orders_joined_to_customers') }}

),

final as (

    select
        -- ids
        refunds.refund_id,
        refunds.order_id,
        orders.customer_id,
        coalesce(orders.channel, '{{ var("taobao_shop_channel") }}') as channel,
        refunds.source_system,
        refunds.merchant_code,
        refunds.item_id,

        -- state
        refunds.refund_state,
        refunds.refund_status_text,
        refunds.refund_kind,
        refunds.is_full_refund,
        refunds.is_return_required,
        refunds.refund_reason,
        refunds.responsible_party,

        -- amounts (CNY)
        refunds.refund_amount,
        refunds.order_paid_amount,

        -- timestamps (Beijing wall time)
        refunds.applied_at,
        cast({{ dbt.date_trunc('day', 'refunds.applied_at') }} as date) as applied_date,
        refunds.finished_at,
        cast(
            {{ dbt.datediff('refunds.applied_at', 'refunds.finished_at', 'hour') }} as integer
        ) as hours_to_finish

    from refunds
    left join orders
        on refunds.order_id = orders.order_id

)

select * from final
