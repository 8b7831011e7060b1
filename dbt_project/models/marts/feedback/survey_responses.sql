{#- One row per survey answer up to the as-of day, with the respondent's customer where known
    (by member, phone or Taobao nick) and the NPS category. -#}
with

responses as (

    select * from {{ ref('stg_surveys__responses') }}
    where answered_at < {{ as_of_end_timestamp() }}

),

identifiers as (

    select * from {{ ref('int_identifiers_grouped_into_customers') }}

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
    left join identifiers as by_phone
        on by_phone.identifier_type = 'phone_hmac'
        and by_phone.identifier_value = responses.mobile_hmac
        and responses.mobile_kind = 'mobile'
    left join identifiers as by_nick
        on by_nick.identifier_type = 'taobao_nick'
        and by_nick.identifier_value = responses.taobao_nick
    left join unionids
        on responses.wechat_unionid = unionids.wechat_unionid

)

select * from final
