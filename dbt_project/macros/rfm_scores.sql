{#- The r_score, f_score and m_score columns. One place for the switches, so customer_rfm and
    customer_category_rfm always score alike.

    F and M follow var rfm_score_method: tie-aware quintiles (within `partition_by` when given)
    or the fixed cut points of var rfm_score_thresholds. R follows var rfm_recency_method:
    - rhythm (the default): days against the shop's own rhythm (`rhythm` names a relation with
      int_shop_repurchase_rhythm's silent_after_days and churn_after_days), so R falls as a
      customer stays away and tells the same story as the lifecycle stage (rhythm_recency_score);
    - quantile or thresholds: relative to that day's customers, or fixed days (R = 5 within 30
      days), as F and M. Quantiles never fall for a shop that everyone is leaving: ranks keep
      their order as every customer ages by the same days. -#}
{% macro rfm_scores(recency, frequency, monetary, partition_by=none, rhythm='rhythm') -%}
    {%- set method = var('rfm_score_method') -%}
    {%- set recency_method = var('rfm_recency_method') -%}
    {%- if recency_method == 'rhythm' -%}
        {{ rhythm_recency_score(recency, rhythm) }} as r_score,
    {%- elif recency_method == 'thresholds' -%}
        {{ threshold_score(recency, var('rfm_score_thresholds')['recency_days'], higher_is_better=false) }} as r_score,
    {%- elif recency_method == 'quantile' -%}
        {{ tie_aware_score(recency, higher_is_better=false, partition_by=partition_by) }} as r_score,
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var rfm_recency_method must be 'rhythm', 'quantile' or 'thresholds', not " ~ recency_method) }}
    {%- endif %}
    {% if method == 'thresholds' -%}
        {%- set cuts = var('rfm_score_thresholds') -%}
        {{ threshold_score(frequency, cuts['frequency']) }} as f_score,
        {{ threshold_score(monetary, cuts['monetary_amount']) }} as m_score
    {%- elif method == 'quantile' -%}
        {{ tie_aware_score(frequency, partition_by=partition_by) }} as f_score,
        {{ tie_aware_score(monetary, partition_by=partition_by) }} as m_score
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var rfm_score_method must be 'quantile' or 'thresholds', not " ~ method) }}
    {%- endif -%}
{%- endmacro %}


{#- R from days against the shop's rhythm, aligned with the lifecycle stages: with S the days a
    customer turns silent and C the days they count as churned (int_shop_repurchase_rhythm),
    R = 5 within half of S, 4 within S (active), 3 within C (silent), 2 within twice C
    (churned), 1 beyond. S above C (a slow shop with a fixed churn) counts as C. -#}
{% macro rhythm_recency_score(recency, rhythm) -%}
    {%- set silent = 'least(' ~ rhythm ~ '.silent_after_days, ' ~ rhythm ~ '.churn_after_days)' -%}
    cast(
        case
            when {{ recency }} <= 0.5 * {{ silent }} then 5
            when {{ recency }} <= {{ silent }} then 4
            when {{ recency }} <= {{ rhythm }}.churn_after_days then 3
            when {{ recency }} <= 2 * {{ rhythm }}.churn_after_days then 2
            else 1
        end as integer
    )
{%- endmacro %}


{#- The recency cut point of the 8 classic groups (R high when days <= it): var
    rfm_high_recency_max_days where set; else, by var rfm_recency_method, the days a customer
    turns silent (rhythm) or the population mean of `mean_expression` (quantile, thresholds). -#}
{% macro recency_high_cut(mean_expression, rhythm='rhythm') -%}
    {%- if var('rfm_high_recency_max_days') is not none -%}
        {{ var('rfm_high_recency_max_days') }}
    {%- elif var('rfm_recency_method') == 'rhythm' -%}
        least({{ rhythm }}.silent_after_days, {{ rhythm }}.churn_after_days)
    {%- else -%}
        {{ mean_expression }}
    {%- endif -%}
{%- endmacro %}


{#- The FM score the 11-segment grid reads: the mean of F and M, halves rounded up. -#}
{% macro fm_score(f_score, m_score) -%}
    cast(floor(({{ f_score }} + {{ m_score }} + 1) / 2.0) as integer)
{%- endmacro %}
