{#- Hit rate at k of the cross-sell recommendations, with a time split: recommend as of
    cross_sell_holdout_days before the as-of day (from what was known then, by the same macros as
    customer_next_products), then count the customers who bought at least one recommended
    product in the days after. The baseline recommends the most popular products the customer
    has not bought (the same macro with no pairs). Evaluated: customers with a purchase before
    the split who bought a product new to them after it. -#}
{%- set split = "cast('" ~ (as_of_date_value() - modules.datetime.timedelta(days=var('cross_sell_holdout_days'))).isoformat() ~ "' as date)" -%}
with

lines as (

    {{ cross_sell_purchase_lines() }}

),

pairs as (

    {{ cross_sell_product_pairs('lines', split) }}

),

no_pairs as (

    select * from pairs where 1 = 0

),

popular as (

    {{ cross_sell_popular_products('lines', split) }}

),

model_recommendations as (

    {{ cross_sell_recommendations('lines', 'pairs', 'popular', split) }}

),

popularity_recommendations as (

    {{ cross_sell_recommendations('lines', 'no_pairs', 'popular', split) }}

),

owned_before as (

    select distinct customer_id, merchant_code
    from lines
    where created_date <= {{ split }} and customer_id is not null

),

new_purchases as (

    select distinct after_split.customer_id, after_split.merchant_code
    from lines as after_split
    left join owned_before
        on after_split.customer_id = owned_before.customer_id
        and after_split.merchant_code = owned_before.merchant_code
    where after_split.created_date > {{ split }}
        and after_split.customer_id in (select customer_id from owned_before)
        and owned_before.customer_id is null

),

evaluated as (

    select count(distinct customer_id) as customer_count from new_purchases

),

hits as (

    select 'cross_sell' as method, count(distinct recommended.customer_id) as hit_count
    from model_recommendations as recommended
    inner join new_purchases
        on recommended.customer_id = new_purchases.customer_id
        and recommended.merchant_code = new_purchases.merchant_code
    union all
    select 'popularity' as method, count(distinct recommended.customer_id) as hit_count
    from popularity_recommendations as recommended
    inner join new_purchases
        on recommended.customer_id = new_purchases.customer_id
        and recommended.merchant_code = new_purchases.merchant_code

),

final as (

    select
        hits.method,
        cast({{ var('cross_sell_top_k') }} as integer) as top_k,
        cast(evaluated.customer_count as integer) as evaluated_customer_count,
        cast(hits.hit_count as integer) as hit_customer_count,
        cast(
            case when evaluated.customer_count > 0
                then 1.0 * hits.hit_count / evaluated.customer_count
            end as decimal(9, 4)
        ) as hit_rate,
        {{ split }} as split_date,
        cast({{ var('cross_sell_holdout_days') }} as integer) as holdout_days,
        {{ as_of_date() }} as as_of_date
    from hits
    cross join evaluated

)

select * from final
