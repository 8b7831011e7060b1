{#- The first anniversary of a date on or after the as-of day (29 February: 28 February in
    years without it, as both engines add years). -#}
{% macro next_anniversary(date_column) -%}
    {%- set this_year = dbt.dateadd('year', '(' ~ as_of_year() ~ ' - extract(year from ' ~ date_column ~ '))', date_column) -%}
    {%- set next_year = dbt.dateadd('year', '(' ~ as_of_year() ~ ' + 1 - extract(year from ' ~ date_column ~ '))', date_column) -%}
    case
        when cast({{ this_year }} as date) >= {{ as_of_date() }} then cast({{ this_year }} as date)
        else cast({{ next_year }} as date)
    end
{%- endmacro %}
