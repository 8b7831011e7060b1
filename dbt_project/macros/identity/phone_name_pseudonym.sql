{#- One pseudonym for a mobile and a receiver name seen together: both are keyed hashes already
    (the loader's), so a plain hash of the pair reveals neither. NULL when either is missing. -#}
{% macro phone_name_pseudonym(phone_hmac, name_hmac) -%}
    case when {{ phone_hmac }} is not null and {{ name_hmac }} is not null
        then {{ dbt.hash(phone_hmac ~ " || ':' || " ~ name_hmac) }}
    end
{%- endmacro %}
