{#- The province token of a 收货地址 ("广东省 广州市 …"). Municipalities are written without 市
    in older exports ("上海 上海市 …"), so they are completed to the name the rest use. -#}
{% macro province_from_address(address) -%}
    case
        when {{ dbt.split_part(address, "' '", 1) }} in ('北京', '上海', '天津', '重庆')
            then {{ dbt.split_part(address, "' '", 1) }} || '市'
        else nullif({{ dbt.split_part(address, "' '", 1) }}, '')
    end
{%- endmacro %}
