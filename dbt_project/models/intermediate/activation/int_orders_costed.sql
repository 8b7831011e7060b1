{#- One row per order with what its goods cost the shop: quantity × 成本价 from the ERP's
    货品档案 where the product has one. A line without a cost price is costed at the shop's own
    cost share (cost over paid amount of the purchase lines that have one), or at var
    campaign_default_cost_share when no product has a cost price; is_cost_estimated says so.
    Campaign ROI turns this into gross margin. -#}
with

lines as (

    select * from {{ ref('int_order_lines_joined_to_products') }}

),

shop_cost_share as (

    select
        sum(quantity * cost_price) / sum(line_paid_amount) as cost_share
    from lines
    where is_purchase
        and cost_price is not null
        and line_paid_amount > 0

),

costed_lines as (

    select
        lines.order_id,
        lines.cost_price is null as is_cost_estimated,
        coalesce(
            lines.quantity * lines.cost_price,
            lines.line_paid_amount * coalesce(
                shop_cost_share.cost_share, {{ var('campaign_default_cost_share') }}
            )
        ) as line_cost_amount
    from lines
    cross join shop_cost_share

),

final as (

    select
        order_id,
        cast(sum(line_cost_amount) as decimal(18, 2)) as cost_of_goods_amount,
        {{ dbt.bool_or('is_cost_estimated') }} as is_cost_estimated
    from costed_lines
    group by order_id

)

select * from final
