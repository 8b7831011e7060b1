{#- One row per (contact, employee, noted phone) from the newest dump of the contact: a dump
    lists every employee who follows the contact, so an older dump's rows are superseded whole. -#}
with

source as (

    select * from {{ source('raw', 'wecom_follows') }}

),

ranked as (

    select
        *,
        {{ export_recency_rank('external_userid', whole_file=true) }} as export_recency_rank
    from source

)

select distinct
    external_userid,
    employee_userid,
    remark_mobile_hmac,
    remark_mobile_kind,
    added_at,
    tags,
    case add_way
        when 1 then 'qr_code'
        when 2 then 'phone_search'
        when 3 then 'business_card'
        when 4 then 'group_chat'
        when 5 then 'phone_contacts'
        when 6 then 'wechat_contacts'
        when 7 then 'wechat_request'
        when 8 then 'third_party_app'
        when 9 then 'email_search'
        when 201 then 'shared_by_colleague'
        when 202 then 'assigned_by_admin'
        else 'unknown'
    end as add_way,
    channel_state
from ranked
where export_recency_rank = 1
