{#- One row per refund of an order that earned points, dated by when it finished (else when it
    was asked), up to the as-of day: what the tier measure nets out and the ledger claws back.

    The order's refund_amount is the total refunded; refund records add up to it at most
    (a later record past the total is cut to what is left). A refund the order shows but no
    退款报表 or API record dates is netted on the order's own paid day (refund_id null). -#}
with

orders as (

    select * from {{ ref('int_loyalty_orders_earning') }}

),

refund_records as (

    select
        refunds.refund_id,
        refunds.order_id,
        refunds.refund_amount,
        coalesce(refunds.finished_at, refunds.applied_at) as refunded_at
    from {{ ref('int_refunds_unioned') }} as refunds
    inner join orders
        on refunds.order_id = orders.order_id
    where refunds.refund_state = 'succeeded'
        and refunds.refund_amount > 0

),

records_capped as (

    select
        refund_records.*,
        orders.refund_amount as order_refund_amount,
        sum(refund_records.refund_amount) over (
            partition by refund_records.order_id
            order by refund_records.refunded_at, refund_records.refund_id
            rows between unbounded preceding and current row
        ) as records_to_date_amount
    from refund_records
    inner join orders
        on refund_records.order_id = orders.order_id

),

dated as (

    select
        refund_id,
        order_id,
        refunded_at,
        greatest(
            least(records_to_date_amount, order_refund_amount)
                - least(records_to_date_amount - refund_amount, order_refund_amount),
            0
        ) as refund_amount
    from records_capped

),

undated as (

    select
        cast(null as {{ dbt.type_string() }}) as refund_id,
        orders.order_id,
        orders.paid_at as refunded_at,
        orders.refund_amount - coalesce(records.total_amount, 0) as refund_amount
    from orders
    left join (
        select order_id, sum(refund_amount) as total_amount
        from dated
        group by order_id
    ) as records
        on orders.order_id = records.order_id
    where orders.refund_amount > coalesce(records.total_amount, 0)

),

final as (

    select
        refunds.refund_id,
        refunds.order_id,
        orders.member_id,
        cast(refunds.refund_amount as decimal(18, 2)) as refund_amount,
        refunds.refunded_at,
        cast({{ dbt.date_trunc('day', 'refunds.refunded_at') }} as date) as refunded_date
    from (
        select * from dated
        union all
        select * from undated
    ) as refunds
    inner join orders
        on refunds.order_id = orders.order_id
    where refunds.refund_amount > 0
        and refunds.refunded_at < {{ as_of_end_timestamp() }}

)

select * from final
