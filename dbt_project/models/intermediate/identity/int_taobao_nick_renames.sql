{#- Taobao nick renames, read off a real mobile and receiver name seen together
    (phone_name_hmac): one row per rename.

    Taobao nicks are unique at any one moment, but a nick its owner renamed away from is freed and
    a later buyer may register it. A mobile-and-name whose nicks follow one another in time (each
    one last seen before the next is first seen, never two at once) is one buyer renaming; one
    whose nicks overlap in time says nothing about renames. Pairs that are blocked, seen with more
    nicks than their rule's max_group_size, or over another of their limits (two ERP customers)
    are not read.
    int_identifier_observations uses the renames to tell a freed nick's later holder apart. -#}
with

observations as {{ not_materialized() }} (

    select * from {{ ref('int_identifier_observations_unioned') }}

),

phone_limits as (

    select * from {{ ref('stg_identity__group_limits') }}
    where identifier_type = 'phone_name_hmac'

),

phone_rule as (

    select max(max_group_size) as max_group_size
    from phone_limits
    where group_of = 'taobao_nick'

),

blocked_values as (

    select * from {{ ref('stg_identity__blocked_values') }}

),

record_times as (

    -- a record's time: a 发货报表 row has no order time, its order's other records do
    select record_key, min(observed_at) as record_at
    from observations
    group by record_key

),

nicks as (

    select observations.record_key, observations.identifier_value as buyer_nick
    from observations
    left join blocked_values
        on blocked_values.identifier_type = observations.identifier_type
        and blocked_values.blocked_value = observations.identifier_value
    where observations.identifier_type = 'taobao_nick'
      and blocked_values.blocked_value is null
      and observations.identifier_value not in (
          select nick.identifier_value
          from observations as nick
          inner join blocked_values as pattern
              on pattern.identifier_type = nick.identifier_type
          where pattern.match_kind = 'pattern'
            and nick.identifier_type = 'taobao_nick'
            and nick.identifier_value like pattern.blocked_value
      )

),

phones as (

    select observations.record_key, observations.identifier_value as phone_name_hmac
    from observations
    left join blocked_values
        on blocked_values.identifier_type = observations.identifier_type
        and blocked_values.blocked_value = observations.identifier_value
    where observations.identifier_type = 'phone_name_hmac'
      and blocked_values.blocked_value is null

),

phones_over_other_limits as (

    -- a phone the ERP knows as two customers is two buyers, whatever its nicks look like
    select phones.phone_name_hmac
    from phones
    inner join observations
        on phones.record_key = observations.record_key
    inner join phone_limits
        on observations.identifier_type = phone_limits.group_of
    where phone_limits.group_of <> 'taobao_nick' and phone_limits.max_group_size is not null
    group by phones.phone_name_hmac, phone_limits.group_of, phone_limits.max_group_size
    having count(distinct observations.identifier_value) > phone_limits.max_group_size

),

spans as (

    select
        phones.phone_name_hmac,
        nicks.buyer_nick,
        min(record_times.record_at) as together_from,
        max(record_times.record_at) as together_until
    from phones
    inner join nicks
        on phones.record_key = nicks.record_key
    inner join record_times
        on phones.record_key = record_times.record_key
    group by phones.phone_name_hmac, nicks.buyer_nick

),

ordered as (

    select
        phone_name_hmac,
        buyer_nick,
        together_from,
        together_until,
        max(together_until) over (
            partition by phone_name_hmac order by together_from, buyer_nick
            rows between unbounded preceding and 1 preceding
        ) as earlier_until,
        lead(buyer_nick) over (
            partition by phone_name_hmac order by together_from, buyer_nick
        ) as next_nick,
        lead(together_from) over (
            partition by phone_name_hmac order by together_from, buyer_nick
        ) as next_from,
        count(*) over (partition by phone_name_hmac) as nick_count
    from spans

),

sequential_phones as (

    select phone_name_hmac
    from ordered
    where nick_count between 2 and (select coalesce(max_group_size, 3) from phone_rule)
      and phone_name_hmac not in (select phone_name_hmac from phones_over_other_limits)
    group by phone_name_hmac
    having sum(case when earlier_until >= together_from then 1 else 0 end) = 0

),

final as (

    select
        ordered.phone_name_hmac,
        ordered.buyer_nick as old_nick,
        ordered.next_nick as new_nick,
        ordered.together_until as old_last_seen_at,
        ordered.next_from as renamed_by
    from ordered
    inner join sequential_phones
        on ordered.phone_name_hmac = sequential_phones.phone_name_hmac
    where ordered.next_nick is not null

)

select * from final
