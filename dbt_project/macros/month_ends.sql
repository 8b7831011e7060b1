{#- The last `months` month ends up to the as-of day, as rows (month_start_date, month_end_date),
    the as-of month ending on the as-of day. Written out at compile time from the as-of var, so
    no engine-specific date series is needed. -#}
{% macro month_ends(months) -%}
    {%- set as_of = as_of_date_value() -%}
    {%- for back in range(months) -%}
        {%- set index = as_of.year * 12 + as_of.month - 1 - back -%}
        {%- set start = modules.datetime.date(index // 12, index % 12 + 1, 1) -%}
        {%- set next_index = index + 1 -%}
        {%- set next_start = modules.datetime.date(next_index // 12, next_index % 12 + 1, 1) -%}
        {%- set end = [next_start - modules.datetime.timedelta(days=1), as_of] | min -%}
        {%- if not loop.first %}
    union all
        {% endif %}
    select
        cast('{{ start.isoformat() }}' as date) as month_start_date,
        cast('{{ end.isoformat() }}' as date) as month_end_date
    {%- endfor -%}
{%- endmacro %}
