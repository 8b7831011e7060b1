{#- One row per loyalty member, with the customer they are and their tier and points. -#}
with

members as (

    select * from {{ ref('stg_loyalty__members') }}

),

links as (

    select id_value as member_id, customer_id
    from {{ ref('int_contact_ids_joined_to_customers') }}
    where id_type = 'member_id'

),

final as (

    select
        members.member_id,
        links.customer_id,
        members.member_tier,
        cast(members.points_balance as integer) as points_balance,
        members.birth_month,
        members.birth_day,
        {{ age_band('members.birth_year') }} as age_band,
        members.gender,
        members.joined_at,
        cast({{ dbt.date_trunc('day', 'members.joined_at') }} as date) as joined_date,
        members.join_channel,
        members.wechat_unionid is not null as has_wechat_unionid
    from members
    left join links
        on members.member_id = links.member_id

)

select * from final
