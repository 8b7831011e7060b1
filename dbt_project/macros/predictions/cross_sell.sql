{#- Product pairs as of a cut-off day for product_pairs. The pairs method of the Python
    cross-sell ranking (recommendations/rankers.py, pair_neighbours) counts the same two
    relations with the same two vars; its test compares the two on one basket set. -#}

{#- The purchase order lines the cross-sell macros read, as the `lines` CTE of each model. -#}
{% macro cross_sell_purchase_lines() %}
    select customer_id, order_id, merchant_code, created_date
    from {{ ref('int_order_lines_joined_to_products') }}
    where is_purchase
{% endmacro %}


{#- Product pairs from the lines up to `cutoff`: bought in one order ('same_order', counted in
    orders), and A then B by one customer 1..N days later ('a_then_b', counted in customers). -#}
{% macro cross_sell_product_pairs(lines, cutoff) %}
    {%- set window_days = var('cross_sell_sequence_window_days') -%}
    with

    seen as (
        select distinct customer_id, order_id, merchant_code, created_date
        from {{ lines }}
        where created_date <= {{ cutoff }}
    ),

    order_products as (
        select distinct order_id, merchant_code from seen
    ),

    order_total as (
        select count(distinct order_id) as base_count from seen
    ),

    product_orders as (
        select merchant_code, count(*) as product_count from order_products group by merchant_code
    ),

    same_order_pairs as (
        select
            a.merchant_code as product_a_code,
            b.merchant_code as product_b_code,
            count(*) as pair_count
        from order_products as a
        inner join order_products as b
            on a.order_id = b.order_id
        where a.merchant_code <> b.merchant_code
        group by a.merchant_code, b.merchant_code
    ),

    customer_product_days as (
        select distinct customer_id, merchant_code, created_date
        from seen
        where customer_id is not null
    ),

    customer_total as (
        select count(distinct customer_id) as base_count from customer_product_days
    ),

    product_customers as (
        select merchant_code, count(distinct customer_id) as product_count
        from customer_product_days
        group by merchant_code
    ),

    sequence_pairs as (
        select
            a.merchant_code as product_a_code,
            b.merchant_code as product_b_code,
            count(distinct a.customer_id) as pair_count
        from customer_product_days as a
        inner join customer_product_days as b
            on a.customer_id = b.customer_id
        where a.merchant_code <> b.merchant_code
            and b.created_date > a.created_date
            and {{ dbt.datediff('a.created_date', 'b.created_date', 'day') }} <= {{ window_days }}
        group by a.merchant_code, b.merchant_code
    ),

    pair_counts as (
        select 'same_order' as relation, * from same_order_pairs
        union all
        select 'a_then_b' as relation, * from sequence_pairs
    ),

    product_counts as (
        select 'same_order' as relation, * from product_orders
        union all
        select 'a_then_b' as relation, * from product_customers
    ),

    base_counts as (
        select 'same_order' as relation, base_count from order_total
        union all
        select 'a_then_b' as relation, base_count from customer_total
    ),

    measured as (
        select
            pairs.relation,
            pairs.product_a_code,
            pairs.product_b_code,
            pairs.pair_count,
            a.product_count as product_a_count,
            b.product_count as product_b_count,
            base.base_count
        from pair_counts as pairs
        inner join product_counts as a
            on pairs.relation = a.relation and pairs.product_a_code = a.merchant_code
        inner join product_counts as b
            on pairs.relation = b.relation and pairs.product_b_code = b.merchant_code
        inner join base_counts as base
            on pairs.relation = base.relation
    )

    select
        relation,
        product_a_code,
        product_b_code,
        cast(pair_count as integer) as pair_count,
        cast(product_a_count as integer) as product_a_count,
        cast(product_b_count as integer) as product_b_count,
        cast(base_count as integer) as base_count,
        cast(1.0 * pair_count / base_count as decimal(18, 6)) as support,
        cast(1.0 * pair_count / product_a_count as decimal(18, 6)) as confidence,
        cast(1.0 * pair_count * base_count / (product_a_count * product_b_count) as decimal(18, 6))
            as lift
    from measured
    where pair_count >= {{ var('cross_sell_min_pair_count') }}
{% endmacro %}
