{#- One row per tag and value: how many customers carry it as of the as-of day, and their share of
    all customers, for the operator choosing an audience. -#}
with

tags as (

    select * from {{ ref('customer_tags') }}

),

customers as (

    select count(*) as customer_count from {{ ref('dim_customers') }}

),

counted as (

    select
        tag,
        tag_group,
        tag_value,
        cast(count(*) as integer) as tagged_customer_count,
        cast(sum(case when since_date = as_of_date then 1 else 0 end) as integer)
            as new_today_customer_count
    from tags
    group by tag, tag_group, tag_value

),

final as (

    select
        counted.tag,
        counted.tag_group,
        counted.tag_value,
        counted.tagged_customer_count,
        cast(
            1.0 * counted.tagged_customer_count / nullif(customers.customer_count, 0)
            as decimal(9, 4)
        ) as customer_share,
        counted.new_today_customer_count,
        {{ as_of_date() }} as as_of_date
    from counted
    cross join customers

)

select * from final
