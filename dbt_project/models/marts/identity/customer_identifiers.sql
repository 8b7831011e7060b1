{#- One row per identifier a customer has: what activation and audits start from.

    Phones, landlines and Alipay accounts are keyed-hash pseudonyms (the loader hashes them);
    buyer ids issued per app (open_uid), member and ERP customer numbers, WeCom and WeChat ids are
    the shop's own handles on the buyer. Display nicknames are left out. -#}
with

assessed as (

    select * from {{ ref('int_identifiers_assessed') }}

),

grouped as (

    select * from {{ ref('int_identifiers_grouped_into_customers') }}

),

final as (

    select
        grouped.customer_id,
        assessed.identifier_type,
        assessed.identifier_value,
        assessed.link_status,
        assessed.sources,
        cast(assessed.record_count as integer) as record_count,
        assessed.first_seen_at,
        assessed.last_seen_at
    from assessed
    inner join grouped
        on assessed.identifier_type = grouped.identifier_type
        and assessed.identifier_value = grouped.identifier_value
    where assessed.identifier_type <> 'taobao_member_nickname'

)

select * from final
