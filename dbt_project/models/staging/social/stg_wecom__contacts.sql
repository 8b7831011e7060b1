{#- One row per WeCom external contact, from the newest dump. -#}
with

source as (

    select * from {{ source('raw', 'wecom_contacts') }}

),

ranked as (

    select
        *,
        {{ export_recency_rank('external_userid') }} as export_recency_rank
    from source

)

select
    external_userid,
    case contact_type when 1 then 'wechat_user' when 2 then 'wecom_user' end as contact_type,
    case gender when 1 then 'male' when 2 then 'female' end as gender,
    unionid as wechat_unionid,
    corp_name,
    _exported_at as exported_at
from ranked
where export_recency_rank = 1
