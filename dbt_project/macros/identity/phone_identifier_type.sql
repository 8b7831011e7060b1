{#- The identifier type of a pseudonymised phone by the kind the loader saw before hashing it:
    a real mobile links people, a virtual (privacy) number or a landline never does. -#}
{% macro phone_identifier_type(kind) -%}
    case {{ kind }}
        when 'mobile' then 'phone_hmac'
        when 'virtual' then 'virtual_phone_hmac'
        when 'landline' then 'landline_hmac'
    end
{%- endmacro %}
