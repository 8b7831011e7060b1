{#- Product pairs for cross-sell as of the as-of day: bought in one order (relation
    'same_order'; support, confidence and lift over orders) and A then B by one customer within
    cross_sell_sequence_window_days (relation 'a_then_b'; over customers). -#}
with

lines as (

    {{ cross_sell_purchase_lines() }}

),

products as {{ not_materialized() }} (

    select * from {{ ref('dim_products') }}

),

pairs as (

    {{ cross_sell_product_pairs('lines', as_of_date()) }}

),

final as (

    select
        pairs.relation,
        pairs.product_a_code,
        a.product_name as product_a_name,
        a.category_name as product_a_category,
        pairs.product_b_code,
        b.product_name as product_b_name,
        b.category_name as product_b_category,
        pairs.pair_count,
        pairs.product_a_count,
        pairs.product_b_count,
        pairs.base_count,
        pairs.support,
        pairs.confidence,
        pairs.lift,
        {{ as_of_date() }} as as_of_date
    from pairs
    left join products as a on pairs.product_a_code = a.merchant_code
    left join products as b on pairs.product_b_code = b.merchant_code

)

select * from final
