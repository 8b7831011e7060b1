{#- The cross_sell_top_k products each customer has not bought, ranked: by the summed confidence
    of product_pairs leading to them from what the customer bought, then filled up with the most
    popular products of the last cross_sell_popularity_days. -#}
with

lines as (

    {{ cross_sell_purchase_lines() }}

),

pairs as (

    select * from {{ ref('product_pairs') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

popular as (

    {{ cross_sell_popular_products('lines', as_of_date()) }}

),

recommended as (

    {{ cross_sell_recommendations('lines', 'pairs', 'popular', as_of_date()) }}

),

final as (

    select
        recommended.customer_id,
        recommended.recommendation_rank,
        recommended.merchant_code,
        products.product_name,
        products.category_name,
        recommended.score,
        recommended.score > 0 as is_from_pairs,
        {{ as_of_date() }} as as_of_date
    from recommended
    left join products on recommended.merchant_code = products.merchant_code

)

select * from final
