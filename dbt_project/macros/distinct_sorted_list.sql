{#- The distinct values of `column` in a group, sorted and joined by `delimiter` into one string.
    dbt.listagg can only order a list the caller made distinct first, and DuckDB's ordered
    aggregates sort every group's buffer: in int_identifiers_assessed that took 2.1 s of 5.6 s
    at 100k customers. DuckDB collects the distinct list and sorts it once; PostgreSQL takes
    DISTINCT and ORDER BY inside string_agg. -#}
{% macro distinct_sorted_list(column, delimiter) -%}
    {{ return(adapter.dispatch('distinct_sorted_list')(column, delimiter)) }}
{%- endmacro %}

{% macro default__distinct_sorted_list(column, delimiter) -%}
    string_agg(distinct {{ column }}, {{ delimiter }} order by {{ column }})
{%- endmacro %}

{% macro duckdb__distinct_sorted_list(column, delimiter) -%}
    array_to_string(list_sort(list(distinct {{ column }})), {{ delimiter }})
{%- endmacro %}
