{#- One row per raw row of the lists that carry identifiers (loyalty members, WeCom contacts and
    their followers' notes, WeChat followers, survey answers), with the identity record it is
    about and when the loader loaded it: incremental identity models recompute the records with
    rows loaded since their last build. Orders are in stg_raw__order_row_loads. The record keys
    are int_identifier_observations_unioned's, built from the same raw ids staging keeps. -#}
with

loads as (

    select 'member:' || member_id as record_key, _loaded_at as loaded_at
    from {{ source('raw', 'loyalty_members') }}
    union all
    select 'wecom:' || external_userid, _loaded_at
    from {{ source('raw', 'wecom_contacts') }}
    union all
    select 'wecom:' || external_userid, _loaded_at
    from {{ source('raw', 'wecom_follows') }}
    union all
    select 'wechat:' || openid, _loaded_at
    from {{ source('raw', 'wechat_followers') }}
    union all
    select 'survey:' || {{ survey_response_key() }}, _loaded_at
    from {{ source('raw', 'survey_responses') }}

)

select * from loads
