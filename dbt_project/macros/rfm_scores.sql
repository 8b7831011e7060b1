{#- The r_score, f_score and m_score columns by var rfm_score_method: tie-aware quintiles
    (within `partition_by` when given) or the fixed cut points of var rfm_score_thresholds. One
    place for the switch, so customer_rfm and customer_category_rfm always score alike. -#}
{% macro rfm_scores(recency, frequency, monetary, partition_by=none) -%}
    {%- set method = var('rfm_score_method') -%}
    {%- if method == 'thresholds' -%}
        {%- set cuts = var('rfm_score_thresholds') -%}
        {{ threshold_score(recency, cuts['recency_days'], higher_is_better=false) }} as r_score,
        {{ threshold_score(frequency, cuts['frequency']) }} as f_score,
        {{ threshold_score(monetary, cuts['monetary_amount']) }} as m_score
    {%- elif method == 'quantile' -%}
        {{ tie_aware_score(recency, higher_is_better=false, partition_by=partition_by) }} as r_score,
        {{ tie_aware_score(frequency, partition_by=partition_by) }} as f_score,
        {{ tie_aware_score(monetary, partition_by=partition_by) }} as m_score
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var rfm_score_method must be 'quantile' or 'thresholds', not " ~ method) }}
    {%- endif -%}
{%- endmacro %}


{#- The FM score the 11-segment grid reads: the mean of F and M, halves rounded up. -#}
{% macro fm_score(f_score, m_score) -%}
    cast(floor(({{ f_score }} + {{ m_score }} + 1) / 2.0) as integer)
{%- endmacro %}
