{#- A 1-5 quantile score in which equal values always get equal scores.

    Plain ntile(5) splits a block of equal values across buckets by row order (with half the
    customers buying once, identical one-time buyers land in F=1, 2 and 3 at random). Here the
    score is the quintile of the *first* row of each block of ties: percent_rank() gives every
    tie the same rank, so the result depends on the values alone, on every engine. -#}
{% macro tie_aware_score(value_expression, higher_is_better=true) -%}
    cast(
        least(
            5,
            1 + floor(
                5 * percent_rank() over (
                    order by {{ value_expression }} {{ 'asc' if higher_is_better else 'desc' }}
                )
            )
        )
        as integer
    )
{%- endmacro %}
