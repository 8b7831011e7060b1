{#- One row per survey answer up to the as-of day, with the respondent's customer where known
    (by member, phone or Taobao nick) and the NPS category. -#}
with

responses as (

    select
        *,
        -- only a real mobile links; computed here so the joins below are plain equalities
        case when mobile_kind = 'mobile' then mobile_hmac end as linkable_mobile_hmac
    from {{ ref('stg_surveys__responses') }}
    where answered_at < {{ as_of_end_timestamp() }}

),

phones as (

    select identifier_value, customer_id
    from {{ ref('int_identifiers_grouped_into_customers') }}
    where identifier_type = 'phone_hmac'

),

nicks as (

    select identifier_value, customer_id
    from {{ ref('int_identifiers_grouped_into_customers') }}
    where identifier_type = 'taobao_nick'

),

members as (

    select id_value as member_id, customer_id
    from {{ ref('int_contact_ids_joined_to_customers') }}
    where id_type = 'member_id'

),

unionids as (

    select id_value as wechat_unionid, customer_id
    from {{ ref('int_contact_ids_joined_to_customers') }}
    where id_type = 'wechat_unionid'

),

final as (

    select
        responses.response_key,
        coalesce(
            members.customer_id, by_phone.customer_id, by_nick.customer_id, unionids.customer_id
        ) as customer_id,
        responses.survey_name,
        cast(responses.score as integer) as score,
        responses.nps_category,
        responses.comment,
        responses.answered_at,
        cast({{ dbt.date_trunc('day', 'responses.answered_at') }} as date) as answered_date,
        responses.channel
    from responses
    left join members
        on responses.member_id = members.member_id
    left join phones as by_phone
        on responses.linkable_mobile_hmac = by_phone.identifier_value
    left join nicks as by_nick
        on responses.taobao_nick = by_nick.identifier_value
    left join unionids
        on responses.wechat_unionid = unionids.wechat_unionid

)

select * from final
