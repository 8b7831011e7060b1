{#- One row per customer with a purchase: how they shop, as shares the behaviour tags read
    (customer_tags.yml).

    - discount_share: of the goods and postage their purchase orders listed, the share they did
      not pay (coupons, shop discounts, 满减);
    - price_index: the mean, over their purchase lines, of the unit price over the median unit
      price of that category (1 = pays the category's typical price; 0.7 = buys the cheap end);
    - promotion_order_share: purchase orders placed in a promotion window (var promotion_windows:
      618, 双11);
    - night_order_share: purchase orders placed in var night_hours (Beijing time);
    - mobile_order_share: purchase orders placed from a phone;
    - refund_rate: refunded over paid, all orders;
    - presale_order_count: purchase orders that were presales (预售, deposit first). -#}
with

orders as (

    select * from {{ ref('int_orders_joined_to_customers') }}
    where customer_id is not null

),

lines as {{ not_materialized() }} (

    select * from {{ ref('int_order_lines_joined_to_products') }}
    where customer_id is not null and is_purchase and quantity > 0

),

category_prices as (

    select
        category_name,
        percentile_cont(0.5) within group (order by unit_price) as median_unit_price
    from lines
    group by category_name

),

price_indexes as (

    select
        lines.customer_id,
        avg(lines.unit_price / category_prices.median_unit_price) as price_index
    from lines
    inner join category_prices
        on lines.category_name = category_prices.category_name
    where category_prices.median_unit_price > 0
    group by lines.customer_id

),

order_habits as (

    select
        customer_id,
        cast(sum(case when is_purchase then 1 else 0 end) as integer) as purchase_count,
        sum(case when is_purchase then goods_amount + postage_amount else 0 end) as listed_amount,
        sum(case when is_purchase then paid_amount else 0 end) as purchase_paid_amount,
        sum(case when is_purchase and (
            {%- for window in var('promotion_windows') %}
            {{ 'or ' if not loop.first }}(extract(month from created_at) * 100 + extract(day from created_at)
                between {{ window.from_mmdd }} and {{ window.to_mmdd }})
            {%- endfor %}
        ) then 1 else 0 end) as promotion_order_count,
        sum(case when is_purchase
            and extract(hour from created_at) in ({{ var('night_hours') | join(', ') }})
            then 1 else 0 end) as night_order_count,
        sum(case when is_purchase and is_mobile_order then 1 else 0 end) as mobile_order_count,
        sum(case when is_purchase and is_presale then 1 else 0 end) as presale_order_count,
        sum(paid_amount) as paid_amount,
        sum(refund_amount) as refund_amount
    from orders
    group by customer_id

),

final as (

    select
        order_habits.customer_id,
        order_habits.purchase_count,
        cast(
            case when order_habits.listed_amount > 0
                then greatest(order_habits.listed_amount - order_habits.purchase_paid_amount, 0)
                    / order_habits.listed_amount
            end as decimal(9, 4)
        ) as discount_share,
        cast(price_indexes.price_index as decimal(9, 4)) as price_index,
        cast(1.0 * order_habits.promotion_order_count / order_habits.purchase_count
            as decimal(9, 4)) as promotion_order_share,
        cast(1.0 * order_habits.night_order_count / order_habits.purchase_count
            as decimal(9, 4)) as night_order_share,
        cast(1.0 * order_habits.mobile_order_count / order_habits.purchase_count
            as decimal(9, 4)) as mobile_order_share,
        cast(
            case when order_habits.paid_amount > 0
                then order_habits.refund_amount / order_habits.paid_amount
            end as decimal(9, 4)
        ) as refund_rate,
        cast(order_habits.presale_order_count as integer) as presale_order_count
    from order_habits
    left join price_indexes
        on order_habits.customer_id = price_indexes.customer_id
    where order_habits.purchase_count > 0

)

select * from final
