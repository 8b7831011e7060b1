{#- Which customer a loyalty member, a WeCom contact or a WeChat unionid belongs to, through the
    identifiers identity v1 resolves (a real mobile, a Taobao nick):
    - a member by the mobile or nick on the member list;
    - a WeCom contact by the phones its employees noted (remark_mobiles);
    - a unionid by the member or WeCom contact that carries it.
    An id whose identifiers point at two customers links to neither (never glue two people). -#}
with

identifiers as (

    select * from {{ ref('int_identifiers_grouped_into_customers') }}

),

members as (

    select * from {{ ref('stg_loyalty__members') }}

),

follows as (

    select * from {{ ref('stg_wecom__follows') }}

),

contacts as (

    select * from {{ ref('stg_wecom__contacts') }}

),

member_candidates as (

    select members.member_id, identifiers.customer_id
    from members
    inner join identifiers
        on identifiers.identifier_type = 'phone_hmac'
        and identifiers.identifier_value = members.mobile_hmac
        and members.mobile_kind = 'mobile'

    union

    select members.member_id, identifiers.customer_id
    from members
    inner join identifiers
        on identifiers.identifier_type = 'taobao_nick'
        and identifiers.identifier_value = members.taobao_nick

),

contact_candidates as (

    select distinct follows.external_userid, identifiers.customer_id
    from follows
    inner join identifiers
        on identifiers.identifier_type = 'phone_hmac'
        and identifiers.identifier_value = follows.remark_mobile_hmac
        and follows.remark_mobile_kind = 'mobile'

),

linked as (

    select 'member_id' as id_type, member_id as id_value, min(customer_id) as customer_id
    from member_candidates
    group by member_id
    having count(distinct customer_id) = 1

    union all

    select 'wecom_external_userid', external_userid, min(customer_id)
    from contact_candidates
    group by external_userid
    having count(distinct customer_id) = 1

),

unionid_candidates as (

    select members.wechat_unionid, linked.customer_id
    from members
    inner join linked
        on linked.id_type = 'member_id' and linked.id_value = members.member_id
    where members.wechat_unionid is not null

    union

    select contacts.wechat_unionid, linked.customer_id
    from contacts
    inner join linked
        on linked.id_type = 'wecom_external_userid'
        and linked.id_value = contacts.external_userid
    where contacts.wechat_unionid is not null

),

final as (

    select id_type, id_value, customer_id from linked

    union all

    select 'wechat_unionid', wechat_unionid, min(customer_id)
    from unionid_candidates
    group by wechat_unionid
    having count(distinct customer_id) = 1

)

select * from final
