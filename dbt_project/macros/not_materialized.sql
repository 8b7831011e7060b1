{#- `not materialized` for a CTE that a query reads more than once, where the engine would
    otherwise copy it whole before reading it. DuckDB (like PostgreSQL) materialises every CTE
    referenced twice, even `select * from <table>`: the copy holds all the table's rows in memory
    where two scans would stream them. Used on import CTEs of tables; a CTE that computes
    something costly is better computed once, and is left to the engine. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}

{% macro postgres__not_materialized() -%}
    not materialized
{%- endmacro %}
