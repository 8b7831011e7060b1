{#- The age band of a birth year as of the as-of day: under_25, 25_34, 35_44, 45_54, 55_plus,
    or unknown. The only form an age leaves staging in. -#}
{% macro age_band(birth_year) -%}
    case
        when {{ birth_year }} is null then 'unknown'
        when {{ as_of_year() }} - {{ birth_year }} < 25 then 'under_25'
        when {{ as_of_year() }} - {{ birth_year }} < 35 then '25_34'
        when {{ as_of_year() }} - {{ birth_year }} < 45 then '35_44'
        when {{ as_of_year() }} - {{ birth_year }} < 55 then '45_54'
        else '55_plus'
    end
{%- endmacro %}
