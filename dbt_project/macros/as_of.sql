{#- The day the marts describe, as a SQL date literal. Fixed at compile time so no model calls
    now(): two runs with the same FUGOU_AS_OF and the same input give identical marts. -#}
{% macro as_of_date_value() -%}
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
