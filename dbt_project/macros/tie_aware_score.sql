{#- A 1-5 quantile score in which equal values always get equal scores.

    Plain ntile(5) splits a block of equal values across buckets by row order (with half the
    customers buying once, identical one-time buyers land in F=1, 2 and 3 at random). Here the
    score is the quintile of the *first* row of each block of ties: rank() gives every tie the
    same rank, so the result depends on the values alone, on every engine.

    score = 1 + #{k in 1..4 : 5·(rank − 1) ≥ k·(n − 1)}, i.e. 1 + floor(5·percent_rank) capped
    at 5, in integer arithmetic so no engine's floating point can move a boundary.
    `partition_by` scores within groups (RFM within a category). -#}
{% macro tie_aware_score(value_expression, higher_is_better=true, partition_by=none) -%}
    {%- set window -%}
        {%- if partition_by %}partition by {{ partition_by }} {% endif -%}
    {%- endset -%}
    {%- set rank_expr -%}
        rank() over ({{ window }}order by {{ value_expression }} {{ 'asc' if higher_is_better else 'desc' }})
    {%- endset -%}
    cast(
        1
        {%- for k in range(1, 5) %}
        + case when 5 * ({{ rank_expr }} - 1) >= {{ k }} * (count(*) over ({{ window | trim }}) - 1)
            and count(*) over ({{ window | trim }}) > 1 then 1 else 0 end
        {%- endfor %}
        as integer
    )
{%- endmacro %}
