{#- One row per customer reachable on WeCom or WeChat: who in the shop's team follows them,
    since when, with which tags, and whether they follow the official account. -#}
with

links as {{ not_materialized() }} (

    select * from {{ ref('int_contact_ids_joined_to_customers') }}

),

follows as (

    select * from {{ ref('stg_wecom__follows') }}

),

contacts as (

    select * from {{ ref('stg_wecom__contacts') }}

),

followers as (

    select * from {{ ref('stg_wechat__followers') }}

),

wecom as (

    select
        links.customer_id,
        count(distinct follows.external_userid) as wecom_contact_count,
        count(distinct follows.employee_userid) as wecom_employee_count,
        min(follows.added_at) as wecom_first_added_at,
        max(follows.added_at) as wecom_last_added_at,
        {{ dbt.listagg('distinct follows.tags', "';'") }} as wecom_tags
    from links
    inner join follows
        on links.id_type = 'wecom_external_userid'
        and links.id_value = follows.external_userid
    group by links.customer_id

),

first_add_way as (

    select customer_id, add_way
    from (
        select
            links.customer_id,
            follows.add_way,
            row_number() over (
                partition by links.customer_id order by follows.added_at, follows.employee_userid
            ) as add_rank
        from links
        inner join follows
            on links.id_type = 'wecom_external_userid'
            and links.id_value = follows.external_userid
    ) as ranked
    where add_rank = 1

),

wechat as (

    select
        links.customer_id,
        max(case when followers.is_subscribed then 1 else 0 end) = 1 as is_wechat_follower,
        min(followers.subscribed_at) as wechat_subscribed_at,
        min(followers.subscribe_scene) as wechat_subscribe_scene
    from links
    inner join followers
        on links.id_type = 'wechat_unionid'
        and links.id_value = followers.wechat_unionid
    group by links.customer_id

),

customers as (

    select customer_id from wecom
    union
    select customer_id from wechat

),

final as (

    select
        customers.customer_id,
        coalesce(wecom.wecom_contact_count, 0) > 0 as is_wecom_contact,
        cast(coalesce(wecom.wecom_employee_count, 0) as integer) as wecom_employee_count,
        wecom.wecom_first_added_at,
        wecom.wecom_last_added_at,
        first_add_way.add_way as wecom_first_add_way,
        wecom.wecom_tags,
        coalesce(wechat.is_wechat_follower, false) as is_wechat_follower,
        wechat.wechat_subscribed_at,
        wechat.wechat_subscribe_scene
    from customers
    left join wecom
        on customers.customer_id = wecom.customer_id
    left join first_add_way
        on customers.customer_id = first_add_way.customer_id
    left join wechat
        on customers.customer_id = wechat.customer_id

)

select * from final
