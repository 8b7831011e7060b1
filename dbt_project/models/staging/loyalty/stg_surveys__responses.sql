{#- One row per survey answer, with its NPS category (promoter 9-10, passive 7-8, detractor
    0-6). An answer is its 答卷编号 where the tool gives one, else its respondent, time and score. -#}
with

source as (

    select * from {{ source('raw', 'survey_responses') }}

),

keyed as (

    select
        *,
        {{ survey_response_key() }} as response_key
    from source

),

ranked as (

    select
        *,
        {{ export_recency_rank('response_key') }} as export_recency_rank
    from keyed

)

select
    response_key,
    survey_name,
    member_id,
    mobile_hmac,
    mobile_kind,
    taobao_nick,
    wechat_unionid,
    wechat_openid,
    score,
    case
        when score >= 9 then 'promoter'
        when score >= 7 then 'passive'
        else 'detractor'
    end as nps_category,
    comment,
    answered_at,
    channel
from ranked
where export_recency_rank = 1
