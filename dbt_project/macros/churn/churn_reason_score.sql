{#- A churn reason's score, 0 to 1, from the signals var churn_reasons lists under it, each
    {from, to, weight}: the signal's strength is 0 at `from`, 1 at `to` (either way round: a
    price index from 1.0 to 0.7 grows as the price falls), linear between; the score is the
    chance that at least one signal speaks for the reason, taking each as independent evidence
    with its weight as its chance: 1 - Π (1 - weight × strength). One strong signal (a rejected
    refund) is enough; several weak ones add up without passing 1. A missing value is no
    evidence. Computed in double precision, fixed at 9 decimals, then 4, so DuckDB and
    PostgreSQL round the same value the same way. -#}
{% macro churn_reason_score(reason, relation) -%}
    {%- set signals = var('churn_reasons')['signals'].get(reason) -%}
    {%- if not signals -%}
        {{ exceptions.raise_compiler_error(
            "var churn_reasons.signals has no signals for " ~ reason) }}
    {%- endif -%}
    cast(cast(1 - (
        {%- for name, signal in signals.items() %}
        (1 - {{ signal['weight'] }} * {{ churn_signal_strength(relation ~ '.' ~ name, signal['from'], signal['to']) }})
        {{- ' *' if not loop.last }}
        {%- endfor %}
    ) as decimal(18, 9)) as decimal(5, 4))
{%- endmacro %}


{% macro churn_signal_strength(value, from, to) -%}
    {%- if from == to -%}
        {{ exceptions.raise_compiler_error(
            "a churn_reasons signal needs from and to apart, got " ~ from ~ " for " ~ value) }}
    {%- endif -%}
    least(greatest(
        (cast(coalesce({{ value }}, {{ from }}) as double precision) - {{ from }})
            / ({{ to }} - {{ from }}),
        0), 1)
{%- endmacro %}
