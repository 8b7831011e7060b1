{#- Which customer a loyalty member, a WeCom contact or a WeChat unionid belongs to: they are
    nodes of the identity graph (intermediate/identity) like any order identifier, so a member
    joins the customer of the mobile or nick on the member list, a WeCom contact that of the phones
    its employees noted, a unionid that of the member or contact carrying it. -#}
select
    identifier_type as id_type,
    identifier_value as id_value,
    customer_id
from {{ ref('int_identifiers_grouped_into_customers') }}
where identifier_type in ('member_id', 'wecom_external_userid', 'wechat_unionid')
