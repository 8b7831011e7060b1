{#- Cross-sell as of a cut-off day, shared by the marts (cut-off = the as-of day) and by
    cross_sell_evaluation (cut-off = the as-of day minus the holdout), so that what is evaluated
    is what is shipped. Each macro returns a query over CTEs the caller names:
    `lines` holds purchase order lines (customer_id, order_id, merchant_code, created_date). -#}

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


{#- Products bought by the most customers in the `cross_sell_popularity_days` up to `cutoff`,
    ranked (ties by product code). -#}
{% macro cross_sell_popular_products(lines, cutoff) %}
    select
        merchant_code,
        buyer_count,
        cast(row_number() over (order by buyer_count desc, merchant_code) as integer)
            as popularity_rank
    from (
        select merchant_code, count(distinct customer_id) as buyer_count
        from {{ lines }}
        where created_date <= {{ cutoff }}
            and customer_id is not null
            and {{ dbt.datediff('created_date', cutoff, 'day') }}
                < {{ var('cross_sell_popularity_days') }}
        group by merchant_code
    ) as counted
{% endmacro %}


{#- The top-k products each customer (with a purchase up to `cutoff`) has not bought. Each
    product's neighbours are the cross_sell_neighbours_per_product products its pairs lead to
    most surely (confidence summed over both relations); a candidate scores the sum over the
    customer's products of their neighbour scores. Popular products fill the list up, and break
    ties. -#}
{% macro cross_sell_recommendations(lines, pairs, popular, cutoff) %}
    {%- set top_k = var('cross_sell_top_k') -%}
    with

    owned as (
        select distinct customer_id, merchant_code
        from {{ lines }}
        where created_date <= {{ cutoff }} and customer_id is not null
    ),

    customers as (
        select distinct customer_id from owned
    ),

    neighbours as (
        select product_a_code, product_b_code, score
        from (
            select
                product_a_code,
                product_b_code,
                sum(confidence) as score,
                row_number() over (
                    partition by product_a_code
                    order by sum(confidence) desc, product_b_code
                ) as neighbour_rank
            from {{ pairs }}
            group by product_a_code, product_b_code
        ) as ranked
        where neighbour_rank <= {{ var('cross_sell_neighbours_per_product') }}
    ),

    from_pairs as (
        select
            owned.customer_id,
            neighbours.product_b_code as merchant_code,
            sum(neighbours.score) as score
        from owned
        inner join neighbours
            on owned.merchant_code = neighbours.product_a_code
        group by owned.customer_id, neighbours.product_b_code
    ),

    from_popularity as (
        select customers.customer_id, {{ popular }}.merchant_code, 0 as score
        from customers
        cross join {{ popular }}
        where {{ popular }}.popularity_rank <= {{ 2 * top_k }}
    ),

    candidates as (
        select customer_id, merchant_code, max(score) as score
        from (
            select * from from_pairs
            union all
            select * from from_popularity
        ) as unioned
        group by customer_id, merchant_code
    ),

    not_owned as (
        select candidates.*
        from candidates
        left join owned
            on candidates.customer_id = owned.customer_id
            and candidates.merchant_code = owned.merchant_code
        where owned.customer_id is null
    ),

    ranked as (
        select
            not_owned.customer_id,
            not_owned.merchant_code,
            cast(not_owned.score as decimal(18, 6)) as score,
            cast(row_number() over (
                partition by not_owned.customer_id
                order by
                    not_owned.score desc,
                    coalesce({{ popular }}.popularity_rank, 1000000000),
                    not_owned.merchant_code
            ) as integer) as recommendation_rank
        from not_owned
        left join {{ popular }}
            on not_owned.merchant_code = {{ popular }}.merchant_code
    )

    select * from ranked where recommendation_rank <= {{ top_k }}
{% endmacro %}
