{#- Every identifier seen on every record of every source, as the sources give it (the raw
    material of identity; int_identifier_observations is what resolution reads).

    A record is what one source says about one thing: an order (whatever source tells it: the
    back office, its 发货报表, the TOP API, an ERP, 抖店), a loyalty member, a WeCom contact, a
    WeChat follower, a survey answer. Records of one order share the key `order:<order_id>`, so a
    nick in the 订单报表 and the mobile in that order's 发货报表 are seen together. Two identifiers
    on one record are an edge of the identity graph (int_identity_edges).

    `phone_name_hmac` pairs a real mobile with the receiver's name on the same record (both
    pseudonymised, hashed together): a buyer who renames keeps both, two people of a household
    who share a phone do not share a name.

    Incremental, record by record, as the order models are (macros/incremental/touched_orders.sql):
    a night recomputes every record with a raw row loaded since the last build (orders from
    stg_raw__order_row_loads, the lists from stg_raw__identity_record_loads) from all of that
    record's rows, and replaces the record's observations. The ERP's orders are rebuilt whole
    (int_erp_orders) and can move to another platform order when its sub-orders arrive, so ERP
    observations that differ from the stored ones, either way, touch their records too. Each
    touched record also gets a marker row (no identifier) in the batch, so that a record left
    with no observation at all loses its stored ones; the post-hook deletes the markers. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='record_key',
    on_schema_change='fail',
    post_hook="{{ drop_marker_rows() }}",
) }}
with

erp_orders as {{ not_materialized() }} (

    select * from {{ ref('int_erp_orders') }}

),

-- ERP orders (旺店通, 聚水潭, YAML-mapped), keyed by the platform order they fulfil
erp_observed as (

    select distinct source, record_key, identifier_type, identifier_value, observed_at
    from (
        select 'erp' as source, 'order:' || order_id as record_key,
            'taobao_nick' as identifier_type, buyer_nick as identifier_value,
            traded_at as observed_at
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
    ) as erp_union
    where identifier_type is not null
      and identifier_value is not null
      and trim(identifier_value) <> ''

),

{%- if is_incremental() %}

-- records whose ERP observations are new, differ from the stored ones or are gone
erp_changed as (

    select record_key from (
        select source, record_key, identifier_type, identifier_value, observed_at
        from erp_observed
        except
        select source, record_key, identifier_type, identifier_value, observed_at
        from {{ this }}
        where source = 'erp'
    ) as new_or_changed
    union
    select record_key from (
        select source, record_key, identifier_type, identifier_value, observed_at
        from {{ this }}
        where source = 'erp'
        except
        select source, record_key, identifier_type, identifier_value, observed_at
        from erp_observed
    ) as changed_or_gone

),

touched_records as (

    select 'order:' || order_id as record_key
    from ({{ orders_loaded_since_last_build() }}) as touched_order_ids
    union
    select record_key
    from {{ ref('stg_raw__identity_record_loads') }}
    where loaded_at > {{ built_through_watermark() }}
        and record_key is not null
    union
    select record_key from erp_changed

),

touched_orders as (

    select substring(record_key from 7) as order_id
    from touched_records
    where record_key like 'order:%'

),
{%- endif %}

taobao_orders as (

    select * from {{ ref('stg_taobao__orders') }}
    {%- if is_incremental() %}
    where order_id in (select order_id from touched_orders)
    {%- endif %}

),

shipments as (

    select * from {{ ref('stg_taobao__shipments') }}
    {%- if is_incremental() %}
    where order_id in (select order_id from touched_orders)
    {%- endif %}

),

top_trades as (

    select * from {{ ref('stg_top__trades') }}
    {%- if is_incremental() %}
    where order_id in (select order_id from touched_orders)
    {%- endif %}

),

douyin_orders as (

    select
        order_id,
        max(receiver_mobile_hmac) as receiver_mobile_hmac,
        max(receiver_mobile_kind) as receiver_mobile_kind,
        min(created_at) as created_at
    from {{ ref('stg_douyin__order_lines') }}
    {%- if is_incremental() %}
    where order_id in (select order_id from touched_orders)
    {%- endif %}
    group by order_id

),

members as (

    select * from {{ ref('stg_loyalty__members') }}
    {%- if is_incremental() %}
    where 'member:' || member_id in (select record_key from touched_records)
    {%- endif %}

),

contacts as (

    select * from {{ ref('stg_wecom__contacts') }}
    {%- if is_incremental() %}
    where 'wecom:' || external_userid in (select record_key from touched_records)
    {%- endif %}

),

follows as (

    select * from {{ ref('stg_wecom__follows') }}
    {%- if is_incremental() %}
    where 'wecom:' || external_userid in (select record_key from touched_records)
    {%- endif %}

),

followers as (

    select * from {{ ref('stg_wechat__followers') }}
    {%- if is_incremental() %}
    where 'wechat:' || wechat_openid in (select record_key from touched_records)
    {%- endif %}

),

surveys as (

    select * from {{ ref('stg_surveys__responses') }}
    {%- if is_incremental() %}
    where 'survey:' || response_key in (select record_key from touched_records)
    {%- endif %}

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

    -- ERP orders
    union all
    select * from erp_observed
    {%- if is_incremental() %}
    where record_key in (select record_key from touched_records)
    {%- endif %}

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

),

final as (

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

    {%- if is_incremental() %}
    union all
    -- a marker per touched record (the post-hook deletes them)
    select
        cast(null as {{ dbt.type_string() }}),
        record_key,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_timestamp() }})
    from touched_records
    {%- endif %}

)

select
    final.*,
    {{ identity_rows_loaded_through() }} as built_through
from final
