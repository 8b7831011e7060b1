{#- One row per WeChat official-account follower (openid), from the newest dump. -#}
with

source as (

    select * from {{ source('raw', 'wechat_followers') }}

),

ranked as (

    select
        *,
        {{ export_recency_rank('openid') }} as export_recency_rank
    from source

)

select
    openid as wechat_openid,
    unionid as wechat_unionid,
    coalesce(is_subscribed, false) as is_subscribed,
    subscribed_at,
    subscribe_scene,
    qr_scene,
    tag_ids,
    _exported_at as exported_at
from ranked
where export_recency_rank = 1
