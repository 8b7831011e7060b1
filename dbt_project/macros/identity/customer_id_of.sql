{#- A customer's id from its identity component: 'C' and 15 hex digits of a hash of the
    component's least node key. -#}
{% macro customer_id_of(component_key) -%}
    'C' || substr({{ dbt.hash(component_key) }}, 1, 15)
{%- endmacro %}
