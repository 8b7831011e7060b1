{#- One row per loyalty member on the newest member list, with the customer they are (through
    the identifiers the list carries) and the exported tier and balance. A list whose file name
    carries no export time (会员列表20261031.csv has only a day) is taken as of the as-of day. -#}
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
        members.member_tier as exported_member_tier,
        cast(members.points_balance as integer) as exported_points_balance,
        coalesce(
            cast({{ dbt.date_trunc('day', 'members.exported_at') }} as date),
            {{ as_of_date() }}
        ) as exported_date,
        members.birth_month,
        members.birth_day,
        members.birth_year,
        members.gender,
        members.joined_at,
        cast({{ dbt.date_trunc('day', 'members.joined_at') }} as date) as joined_date,
        members.join_channel,
        members.wechat_unionid is not null as has_wechat_unionid
    from members
    left join links
        on members.member_id = links.member_id
    where members.joined_at < {{ as_of_end_timestamp() }}

)

select * from final
