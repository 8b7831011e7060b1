{#- One row per customer and product category they bought: RFM within that category as of the
    as-of day, scored against the category's own buyers, with the 11 named segments.

    A customer can be a Champion for pet food and Lost for cat litter; a shop running a
    category campaign picks its audience here. R = days since the last purchase day with a line
    of the category; F = purchase orders with such a line; M = the lines' paid minus refunded
    amount (CNY). R is scored against the shop's rhythm (var rfm_recency_method, as customer_rfm);
    F and M follow var rfm_score_method, quantiles taken within the category. -#}
with

lines as (

    select * from {{ ref('int_order_lines_joined_to_products') }}
    where customer_id is not null and is_purchase

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

rhythm as (

    select * from {{ ref('int_shop_repurchase_rhythm') }}

),

rfm_values as (

    select
        customer_id,
        category_name,
        cast({{ dbt.datediff('max(created_date)', as_of_date(), 'day') }} as integer)
            as recency_days,
        cast(count(distinct order_id) as integer) as frequency,
        cast(sum(line_paid_amount - coalesce(line_refund_amount, 0)) as decimal(18, 2))
            as monetary_amount
    from lines
    group by customer_id, category_name

),

scored as (

    select
        rfm_values.*,
        {{ rfm_scores('rfm_values.recency_days', 'rfm_values.frequency', 'rfm_values.monetary_amount', partition_by='rfm_values.category_name') }}
    from rfm_values
    cross join rhythm

),

final as (

    select
        scored.customer_id,
        scored.category_name,
        {{ as_of_date() }} as as_of_date,
        scored.recency_days,
        scored.frequency,
        scored.monetary_amount,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        cast(scored.r_score as {{ dbt.type_string() }})
            || cast(scored.f_score as {{ dbt.type_string() }})
            || cast(scored.m_score as {{ dbt.type_string() }}) as rfm_cell,
        rfm_segments.rfm_segment_en,
        rfm_segments.rfm_segment_cn
    from scored
    inner join rfm_segments
        on scored.r_score = rfm_segments.r_score
        and {{ fm_score('scored.f_score', 'scored.m_score') }} = rfm_segments.fm_score

)

select * from final
