{#- One row per customer with a member record: the record that joined last (a customer with
    several member numbers, after a merge, keeps the newest one's tier and points). -#}
{% macro latest_member_per_customer(columns) -%}
    select customer_id, {{ columns | join(', ') }}
    from (
        select
            customer_id,
            {{ columns | join(', ') }},
            row_number() over (
                partition by customer_id order by joined_at desc, member_id
            ) as recency_rank
        from {{ ref('loyalty_members') }}
        where customer_id is not null
    ) as ranked
    where recency_rank = 1
{%- endmacro %}
