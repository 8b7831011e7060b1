{#- A survey answer's key: its 答卷编号 where the tool gives one, else its respondent, time and
    score. Staging keys answers by it, and incremental identity models find the answers loaded
    since their last build by it. -#}
{% macro survey_response_key() -%}
    coalesce(
        response_id,
        coalesce(member_id, mobile_hmac, taobao_nick, wechat_unionid, wechat_openid, '?')
            || '|' || cast(answered_at as {{ dbt.type_string() }})
            || '|' || cast(score as {{ dbt.type_string() }})
    )
{%- endmacro %}
