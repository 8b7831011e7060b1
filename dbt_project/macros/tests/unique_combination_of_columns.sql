{#- Rows are unique over a combination of columns (dbt_utils' unique_combination_of_columns,
    written here because hub packages cannot be installed offline). -#}
{% test unique_combination_of_columns(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
