{#- One row per paid order that earns loyalty points: an order of a member's customer paid on
    or after the day they joined. A customer with several member numbers earns on the one that
    joined last before the order. What earns is the amount paid for the goods: postage earns
    no points (运费不计积分; the 2023+ sub-order export already leaves it out of the paid
    amount). Refunds count up to that amount. -#}
{%- set programme = loyalty_programme() %}
with

members as (

    select * from {{ ref('int_loyalty_members_joined_to_customers') }}
    where customer_id is not null

),

orders as (

    select * from {{ ref('int_orders_joined_to_customers') }}
    where paid_at is not null
        and paid_amount > 0
        and created_at < {{ as_of_end_timestamp() }}
        and paid_at < {{ as_of_end_timestamp() }}

),

member_orders as (

    select
        members.member_id,
        members.customer_id,
        members.birth_month,
        orders.order_id,
        orders.paid_at,
        greatest(orders.paid_amount - coalesce(orders.postage_amount, 0), 0) as goods_paid_amount,
        orders.refund_amount,
        row_number() over (
            partition by orders.order_id
            order by members.joined_at desc, members.member_id
        ) as member_rank
    from orders
    inner join members
        on orders.customer_id = members.customer_id
        and cast({{ dbt.date_trunc('day', 'orders.paid_at') }} as date) >= members.joined_date

),

final as (

    select
        member_id,
        customer_id,
        order_id,
        paid_at,
        cast({{ dbt.date_trunc('day', 'paid_at') }} as date) as paid_date,
        goods_paid_amount,
        least(refund_amount, goods_paid_amount) as refund_amount,
        coalesce(cast(extract(month from paid_at) as integer) = birth_month, false) as is_birthday_month
    from member_orders
    where member_rank = 1

)

select * from final
