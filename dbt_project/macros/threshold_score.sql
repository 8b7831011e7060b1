{#- A 1-5 score from fixed cut points instead of quantiles, for a shop that wants its scores to
    mean the same thing every month (R = 5 always means "bought in the last 30 days").

    `thresholds` lists four cut points from the score-2 boundary to the score-5 boundary. Higher
    is better: score = 1 + how many cut points the value reaches (value >= cut). Lower is better
    (recency days): score = 1 + how many cut points the value is within (value <= cut). -#}
{% macro threshold_score(value_expression, thresholds, higher_is_better=true) -%}
    {%- if thresholds | length != 4 -%}
        {{ exceptions.raise_compiler_error(
            'threshold_score needs four cut points (score 2 to 5), got ' ~ thresholds) }}
    {%- endif -%}
    cast(
        1
        {%- for cut in thresholds %}
        + case when {{ value_expression }} {{ '>=' if higher_is_better else '<=' }} {{ cut }}
            then 1 else 0 end
        {%- endfor %}
        as integer
    )
{%- endmacro %}
