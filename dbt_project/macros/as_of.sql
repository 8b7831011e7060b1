{#- The day the marts describe, as a SQL date literal. Fixed at compile time so no model calls
    now(): two runs with the same FUGOU_AS_OF and the same input give identical marts.

    Read only when a model runs, never while dbt parses (`execute` is false then, and no parsed
    value depends on the day): dbt's partial parsing re-parses every file that read a var whose
    value changed, and the day changes every night (52 files, 5.7 s of the night's 8.4 s parse
    at 100k customers; 3.3 s with none). The nightly step passes the day as FUGOU_AS_OF, not
    --vars, which would make dbt parse everything again. -#}
{% macro as_of_date_value() -%}
    {%- if not execute -%}
        {{ return(modules.datetime.date(2000, 1, 1)) }}
    {%- endif -%}
    {%- set configured = var('as_of', '') -%}
    {%- if configured -%}
        {{ return(modules.datetime.date.fromisoformat(configured | string)) }}
    {%- else -%}
        {{ return(modules.datetime.datetime.now(modules.pytz.timezone('Asia/Shanghai')).date()) }}
    {%- endif -%}
{%- endmacro %}

{% macro as_of_date() -%}
    cast('{{ as_of_date_value().isoformat() }}' as date)
{%- endmacro %}

{#- Orders created before the end of the as-of day belong to the history the marts describe. -#}
{% macro as_of_end_timestamp() -%}
    cast('{{ (as_of_date_value() + modules.datetime.timedelta(days=1)).isoformat() }} 00:00:00' as timestamp)
{%- endmacro %}

{#- The as-of year as a number, for ages. -#}
{% macro as_of_year() -%}
    {{ as_of_date_value().year }}
{%- endmacro %}
