{#- One row per loyalty member, from the newest member list. Birthdays leave staging only as
    month-day (for birthday campaigns) and birth year (for age bands). -#}
with

source as (

    select * from {{ source('raw', 'loyalty_members') }}

),

ranked as (

    select
        *,
        {{ export_recency_rank('member_id') }} as export_recency_rank
    from source

)

select
    member_id,
    mobile_hmac,
    mobile_kind,
    taobao_nick,
    wechat_unionid,
    wechat_openid,
    tier as member_tier,
    coalesce(points_balance, 0) as points_balance,
    cast(extract(month from birthday) as integer) as birth_month,
    cast(extract(day from birthday) as integer) as birth_day,
    cast(extract(year from birthday) as integer) as birth_year,
    gender,
    joined_at,
    join_channel,
    _exported_at as exported_at
from ranked
where export_recency_rank = 1
