{#- One row per customer with the profile fields dim_customers shows, each taken from the best
    source that has it (survivorship). Priority first, then recency:

    - preferred_nick: the Taobao nick the customer was seen with most recently (a renamed buyer
      shows the new one; a freed nick's `(since …)` mark is not shown);
    - gender: the member list (what the member declared) before the WeCom contact (the WeChat
      profile); within a source, the most recent export;
    - birth month and day, age band: the member list, most recent export (a birthday leaves
      staging only as month, day and age band);
    - province and city: int_customer_home_regions (where most orders went; ties: the latest). -#}
with

customers as (

    select distinct customer_id from {{ ref('int_identity_records') }}

),

links as {{ not_materialized() }} (

    select * from {{ ref('int_contact_ids_joined_to_customers') }}

),

members as (

    select
        links.customer_id,
        stg.member_id,
        case
            when lower(stg.gender) in ('男', 'male', 'm', '1') then 'male'
            when lower(stg.gender) in ('女', 'female', 'f', '2') then 'female'
        end as gender,
        stg.birth_month,
        stg.birth_day,
        stg.birth_year,
        stg.exported_at
    from {{ ref('stg_loyalty__members') }} as stg
    inner join links
        on links.id_type = 'member_id' and links.id_value = stg.member_id

),

contacts as (

    select links.customer_id, stg.external_userid, stg.gender, stg.exported_at
    from {{ ref('stg_wecom__contacts') }} as stg
    inner join links
        on links.id_type = 'wecom_external_userid' and links.id_value = stg.external_userid

),

gender_candidates as (

    select customer_id, gender, 1 as source_priority, 'loyalty_members' as source, exported_at
    from members
    where gender is not null

    union all

    select customer_id, gender, 2, 'wecom', exported_at
    from contacts
    where gender is not null

),

genders as (

    select customer_id, gender, source as gender_source
    from (
        select
            *,
            row_number() over (
                partition by customer_id order by source_priority, exported_at desc, gender
            ) as survivor_rank
        from gender_candidates
    ) as ranked
    where survivor_rank = 1

),

birthdays as (

    select customer_id, birth_month, birth_day, birth_year
    from (
        select
            *,
            row_number() over (
                partition by customer_id order by exported_at desc, member_id
            ) as survivor_rank
        from members
        where birth_month is not null
    ) as ranked
    where survivor_rank = 1

),

nicks as (

    select customer_id, identifier_value as nick
    from (
        select
            grouped.customer_id,
            assessed.identifier_value,
            row_number() over (
                partition by grouped.customer_id
                order by assessed.last_seen_at desc, assessed.identifier_value
            ) as survivor_rank
        from {{ ref('int_identifiers_assessed') }} as assessed
        inner join {{ ref('int_identifiers_grouped_into_customers') }} as grouped
            on assessed.identifier_type = grouped.identifier_type
            and assessed.identifier_value = grouped.identifier_value
        where assessed.identifier_type = 'taobao_nick' and assessed.link_status = 'links'
    ) as ranked
    where survivor_rank = 1

),

regions as (

    select * from {{ ref('int_customer_home_regions') }}

),

final as (

    select
        customers.customer_id,
        case
            when nicks.nick like '% (since %' then {{ dbt.split_part('nicks.nick', "' (since '", 1) }}
            else nicks.nick
        end as preferred_nick,
        genders.gender,
        genders.gender_source,
        birthdays.birth_month,
        birthdays.birth_day,
        {{ age_band('birthdays.birth_year') }} as age_band,
        regions.province,
        regions.city
    from customers
    left join nicks
        on customers.customer_id = nicks.customer_id
    left join genders
        on customers.customer_id = genders.customer_id
    left join birthdays
        on customers.customer_id = birthdays.customer_id
    left join regions
        on customers.customer_id = regions.customer_id

)

select * from final
