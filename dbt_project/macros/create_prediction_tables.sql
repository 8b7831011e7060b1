{#- on-run-start: the tables Python assets write after the first dbt step (sources
    `predictions`, the model fits; `cross_sell`, the recommendations and their evaluation; and
    `feedback`, keywords jieba found in feedback text) exist
    before the first run of those assets, empty, with the columns their source declares; the
    Python writer keeps a table whose columns match. So the activation models,
    which read them, build on a fresh warehouse with a plain `dbt build`, selecting nobody by a
    prediction until the predictions have run. -#}
{% macro create_prediction_tables() -%}
    {%- if execute -%}
        {%- for source in graph.sources.values() if source.source_name in ("predictions", "cross_sell", "feedback") -%}
            {%- set columns = [] -%}
            {%- for column in source.columns.values() -%}
                {%- do columns.append('"' ~ column.name ~ '" ' ~ column.data_type) -%}
            {%- endfor -%}
            {%- do run_query('create schema if not exists "' ~ source.schema ~ '"') -%}
            {%- do run_query('create table if not exists "' ~ source.schema ~ '"."' ~ source.identifier ~ '" (' ~ columns | join(', ') ~ ')') -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
