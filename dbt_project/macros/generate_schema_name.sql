{#- Schemas are named for their layer (raw, staging, intermediate, marts), not prefixed with the
    target schema, so BI tools and Dagster asset keys see `marts.dim_customers` on every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
