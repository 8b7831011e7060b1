{#- Every identifier seen on every record of every source, as the sources give it (the raw
    material of identity; int_identifier_observations is what resolution reads).

    A record is what one source says about one thing: an order (whatever source tells it: the
    back office, its 发货报表, the TOP API, an ERP, 抖店), a loyalty member, a WeCom contact, a
    WeChat follower, a survey answer. Records of one order share the key `order:<order_id>`, so a
    nick in the 订单报表 and the mobile in that order's 发货报表 are seen together. Two identifiers
    on one record are an edge of the identity graph (int_identity_edges).

    `phone_name_hmac` pairs a real mobile with the receiver's name on the same record (both
    pseudonymised, hashed together): a buyer who renames keeps both, two people of a household
    who share a phone do not share a name. -#}
with

taobao_orders as (

    select * from {{ ref('stg_taobao__orders') }}

),

shipments as (

    select * from {{ ref('stg_taobao__shipments') }}

),

top_trades as (

    select * from {{ ref('stg_top__trades') }}

),

erp_orders as {{ not_materialized() }} (

    select * from {{ ref('int_erp_orders') }}

),

douyin_orders as (

    select
        order_id,
        max(receiver_mobile_hmac) as receiver_mobile_hmac,
        max(receiver_mobile_kind) as receiver_mobile_kind,
        min(created_at) as created_at
    from {{ ref('stg_douyin__order_lines') }}
    group by order_id

),

members as (

    select * from {{ ref('stg_loyalty__members') }}

),

contacts as (

    select * from {{ ref('stg_wecom__contacts') }}

),

follows as (

    select * from {{ ref('stg_wecom__follows') }}

),

followers as (

    select * from {{ ref('stg_wechat__followers') }}

),

surveys as (

    select * from {{ ref('stg_surveys__responses') }}

),

observed as (

    -- 订单报表: nick, display nickname, receiver phones, Alipay account
    select 'taobao_export' as source, 'order:' || order_id as record_key,
        'taobao_nick' as identifier_type, buyer_nick as identifier_value, created_at as observed_at
    from taobao_orders
    union all
    select 'taobao_export', 'order:' || order_id, 'taobao_member_nickname', buyer_member_nickname,
        created_at
    from taobao_orders
    union all
    select 'taobao_export', 'order:' || order_id,
        {{ phone_identifier_type('receiver_mobile_kind') }}, receiver_mobile_hmac, created_at
    from taobao_orders
    union all
    select 'taobao_export', 'order:' || order_id, 'phone_name_hmac',
        {{ phone_name_pseudonym('receiver_mobile_hmac', 'receiver_name_hmac') }}, created_at
    from taobao_orders
    where receiver_mobile_kind = 'mobile'
    union all
    select 'taobao_export', 'order:' || order_id, 'receiver_name_hmac', receiver_name_hmac, created_at
    from taobao_orders
    union all
    select 'taobao_export', 'order:' || order_id, 'landline_hmac', receiver_landline_hmac,
        created_at
    from taobao_orders
    union all
    select 'taobao_export', 'order:' || order_id, 'alipay_hmac', alipay_account_hmac, created_at
    from taobao_orders

    -- 发货报表: who the order went to
    union all
    select 'taobao_shipments', 'order:' || order_id,
        {{ phone_identifier_type('receiver_mobile_kind') }}, receiver_mobile_hmac, shipped_at
    from shipments
    union all
    select 'taobao_shipments', 'order:' || order_id, 'phone_name_hmac',
        {{ phone_name_pseudonym('receiver_mobile_hmac', 'receiver_name_hmac') }}, shipped_at
    from shipments
    where receiver_mobile_kind = 'mobile'
    union all
    select 'taobao_shipments', 'order:' || order_id, 'receiver_name_hmac', receiver_name_hmac, shipped_at
    from shipments

    -- TOP API trades
    union all
    select 'top_api', 'order:' || order_id, 'taobao_nick', buyer_nick, created_at
    from top_trades
    union all
    select 'top_api', 'order:' || order_id, 'buyer_open_uid', buyer_open_uid, created_at
    from top_trades
    union all
    select 'top_api', 'order:' || order_id, 'oaid', oaid, created_at
    from top_trades
    union all
    select 'top_api', 'order:' || order_id,
        {{ phone_identifier_type('receiver_mobile_kind') }}, receiver_mobile_hmac, created_at
    from top_trades
    union all
    select 'top_api', 'order:' || order_id, 'phone_name_hmac',
        {{ phone_name_pseudonym('receiver_mobile_hmac', 'receiver_name_hmac') }}, created_at
    from top_trades
    where receiver_mobile_kind = 'mobile'
    union all
    select 'top_api', 'order:' || order_id, 'receiver_name_hmac', receiver_name_hmac, created_at
    from top_trades

    -- ERP orders (旺店通, 聚水潭, YAML-mapped), keyed by the platform order they fulfil
    union all
    select 'erp', 'order:' || order_id, 'taobao_nick', buyer_nick, traded_at
    from erp_orders
    where channel in ('taobao', 'tmall')
    union all
    -- open ids are per app key: the ERP's (聚水潭 open_id) is not the shop's own TOP app's
    select 'erp', 'order:' || order_id, 'erp_buyer_open_id',
        erp_system || ':' || platform_buyer_id, traded_at
    from erp_orders
    where channel in ('taobao', 'tmall') and platform_buyer_id is not null
    union all
    select 'erp', 'order:' || order_id, 'erp_customer_no', erp_customer_no, traded_at
    from erp_orders
    union all
    select 'erp', 'order:' || order_id,
        {{ phone_identifier_type('receiver_mobile_kind') }}, receiver_mobile_hmac, traded_at
    from erp_orders
    union all
    select 'erp', 'order:' || order_id, 'phone_name_hmac',
        {{ phone_name_pseudonym('receiver_mobile_hmac', 'receiver_name_hmac') }}, traded_at
    from erp_orders
    where receiver_mobile_kind = 'mobile'
    union all
    select 'erp', 'order:' || order_id, 'receiver_name_hmac', receiver_name_hmac, traded_at
    from erp_orders

    -- 抖店 orders: the receiver's phone (mostly virtual numbers)
    union all
    select 'douyin_export', 'order:' || order_id,
        {{ phone_identifier_type('receiver_mobile_kind') }}, receiver_mobile_hmac, created_at
    from douyin_orders

    -- loyalty members: the list says what a member's nick and mobile are when it is exported
    union all
    select 'loyalty_members', 'member:' || member_id, 'member_id', member_id, exported_at
    from members
    union all
    select 'loyalty_members', 'member:' || member_id,
        {{ phone_identifier_type('mobile_kind') }}, mobile_hmac, exported_at
    from members
    union all
    select 'loyalty_members', 'member:' || member_id, 'taobao_nick', taobao_nick, exported_at
    from members
    union all
    select 'loyalty_members', 'member:' || member_id, 'wechat_unionid', wechat_unionid,
        exported_at
    from members
    union all
    select 'loyalty_members', 'member:' || member_id, 'wechat_openid', wechat_openid, exported_at
    from members

    -- WeCom external contacts and the phones their employees noted
    union all
    select 'wecom', 'wecom:' || external_userid, 'wecom_external_userid', external_userid,
        exported_at
    from contacts
    union all
    select 'wecom', 'wecom:' || external_userid, 'wechat_unionid', wechat_unionid, exported_at
    from contacts
    union all
    select 'wecom', 'wecom:' || external_userid,
        {{ phone_identifier_type('remark_mobile_kind') }}, remark_mobile_hmac, added_at
    from follows

    -- WeChat official-account followers
    union all
    select 'wechat', 'wechat:' || wechat_openid, 'wechat_openid', wechat_openid, subscribed_at
    from followers
    union all
    select 'wechat', 'wechat:' || wechat_openid, 'wechat_unionid', wechat_unionid, subscribed_at
    from followers

    -- survey answers
    union all
    select 'surveys', 'survey:' || response_key, 'member_id', member_id, answered_at
    from surveys
    union all
    select 'surveys', 'survey:' || response_key,
        {{ phone_identifier_type('mobile_kind') }}, mobile_hmac, answered_at
    from surveys
    union all
    select 'surveys', 'survey:' || response_key, 'taobao_nick', taobao_nick, answered_at
    from surveys
    union all
    select 'surveys', 'survey:' || response_key, 'wechat_unionid', wechat_unionid, answered_at
    from surveys
    union all
    select 'surveys', 'survey:' || response_key, 'wechat_openid', wechat_openid, answered_at
    from surveys

)

select distinct
    source,
    record_key,
    identifier_type,
    identifier_value,
    observed_at
from observed
where identifier_type is not null
  and identifier_value is not null
  and trim(identifier_value) <> ''
