{#- One row per observation of an order: what one source says about it (the back office's
    订单报表, the 2023+ sub-order export summed per order with its buyer from the 发货报表, the TOP
    API, the 抖店 export, or one ERP order), keyed by `observation_key`. An order the ERP split
    across several ERP orders has one observation per ERP order.

    int_orders_unioned chooses among them. They are a table of their own so that it can rank
    narrow rows and read the chosen ones back: ranking the whole union inside one query held it
    twice (DuckDB materialises a CTE read twice) and ran out of memory at 1M customers.

    Incremental: a night recomputes the orders touched since the last build (any raw row of
    theirs loaded since, macros/incremental/touched_orders.sql), from all their rows, and
    replaces their observations. The ERP's observations are a projection of int_erp_orders,
    which is rebuilt whole: those that differ from the stored ones touch their orders too, and
    the post-hook drops stored ERP observations whose ERP order is gone or now fulfils another
    order. `--full-refresh` (the nightly run's `full_refresh`) rebuilds everything. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='order_id',
    on_schema_change='fail',
    post_hook="{{ drop_stale_erp_observations() }}",
) }}
with

erp_orders as (

    select * from {{ ref('int_erp_orders') }}

),

-- What the shop's ERP knows of an order: its buyer for every order, and the state and money of
-- orders no platform source has (offline sales, other platforms).
erp_observations as (

    select
        'erp:' || erp_orders.erp_system || ':' || erp_orders.erp_order_no as observation_key,
        erp_orders.order_id,
        'erp' as source_system,
        coalesce(erp_orders.channel, '{{ var("taobao_shop_channel") }}') as channel,
        cast(null as {{ dbt.type_string() }}) as shop_id,
        -- 客户网名 is a Taobao nick only on Taobao/Tmall orders (a Douyin nick is another namespace)
        case
            when coalesce(erp_orders.channel, '{{ var("taobao_shop_channel") }}') in ('taobao', 'tmall')
                then erp_orders.buyer_nick
        end as buyer_nick,
        cast(null as {{ dbt.type_string() }}) as buyer_member_nickname,
        cast(null as {{ dbt.type_string() }}) as buyer_open_uid,
        erp_orders.erp_customer_no,
        erp_orders.receiver_mobile_hmac,
        erp_orders.receiver_mobile_kind,
        cast(null as {{ dbt.type_string() }}) as alipay_account_hmac,
        erp_orders.receiver_name_hmac,
        erp_orders.order_status_text,
        cast(null as {{ dbt.type_string() }}) as close_reason,
        erp_orders.order_state,
        cast(coalesce(erp_orders.paid_amount, 0) as decimal(18, 2)) as goods_amount,
        cast(0 as decimal(18, 2)) as postage_amount,
        cast(0 as decimal(18, 2)) as coupon_amount,
        cast(coalesce(erp_orders.paid_amount, 0) as decimal(18, 2)) as buyer_paid_amount,
        'order' as paid_amount_source,
        erp_orders.refunded_amount as export_refund_amount,
        erp_orders.receiver_province,
        erp_orders.receiver_city,
        cast(erp_orders.item_quantity as integer) as item_quantity,
        false as is_mobile_order,
        false as is_presale,
        erp_orders.traded_at as created_at,
        erp_orders.paid_at,
        erp_orders.shipped_at,
        cast(null as {{ dbt.type_timestamp() }}) as confirmed_at,
        erp_orders.exported_at
    from erp_orders

),

{% if is_incremental() %}
{%- set stored_columns = adapter.get_columns_in_relation(this)
    | map(attribute='name') | reject('equalto', 'built_through') | list %}
-- ERP observations that are new or say something else than the stored ones
erp_changed as (

    select order_id from (
        select {{ stored_columns | join(', ') }} from erp_observations
        except
        select {{ stored_columns | join(', ') }} from {{ this }} where source_system = 'erp'
    ) as changed

),

touched_orders as (

    {{ orders_loaded_since_last_build() }}
    union
    select order_id from erp_changed

),
{% endif %}

exported_orders as (

    select * from {{ ref('stg_taobao__orders') }}
    {{ only_touched_orders() }}

),

exported_lines as (

    select * from {{ ref('stg_taobao__order_lines') }}
    {{ only_touched_orders() }}

),

shipments as (

    select * from {{ ref('stg_taobao__shipments') }}
    {{ only_touched_orders() }}

),

api_trades as (

    select * from {{ ref('stg_top__trades') }}
    {{ only_touched_orders() }}

),

api_lines as (

    select * from {{ ref('stg_top__trade_orders') }}
    {{ only_touched_orders() }}

),

douyin_lines as (

    select * from {{ ref('stg_douyin__order_lines') }}
    {{ only_touched_orders() }}

),

douyin_orders as (

    select
        order_id,
        -- a sub-order closed by its own refund does not close the order
        coalesce(
            max(case when order_state <> 'closed_refunded' then order_status_text end),
            max(order_status_text)
        ) as order_status_text,
        sum(line_goods_amount) as goods_amount,
        sum(line_paid_amount) as paid_amount,
        max(postage_amount) as postage_amount,
        sum(discount_amount) as discount_amount,
        sum(quantity) as item_quantity,
        max(receiver_mobile_hmac) as receiver_mobile_hmac,
        max(receiver_mobile_kind) as receiver_mobile_kind,
        max(receiver_name_hmac) as receiver_name_hmac,
        max(receiver_province) as receiver_province,
        max(receiver_city) as receiver_city,
        min(created_at) as created_at,
        min(paid_at) as paid_at,
        min(shipped_at) as shipped_at,
        max(finished_at) as finished_at,
        max(exported_at) as exported_at
    from douyin_lines
    group by order_id

),

api_refunds as (

    select
        order_id,
        sum(refund_amount) as refund_amount
    from {{ ref('stg_top__refunds') }}
    where refund_state = 'succeeded'
    {%- if is_incremental() %}
        and order_id in (select order_id from touched_orders)
    {%- endif %}
    group by order_id

),

-- Orders as their sub-orders show them (lines with their own order facts: 2020 on).
sub_order_totals as (

    select
        order_id,
        -- A refunded line is 交易关闭 on its own; the order is closed only if every line is.
        coalesce(
            max(case when order_status_text <> '交易关闭' then order_status_text end),
            max(order_status_text)
        ) as order_status_text,
        sum(line_goods_amount) as goods_amount,
        sum(line_paid_amount) as paid_amount,
        sum(line_refund_amount) as refund_amount,
        sum(quantity) as item_quantity,
        count(*) as item_kind_count,
        min(created_at) as created_at,
        min(paid_at) as paid_at,
        max(exported_at) as exported_at
    from exported_lines
    where created_at is not null
    group by order_id

),

api_channels as (

    select
        order_id,
        max(seller_type) as seller_type
    from api_lines
    group by order_id

),

from_order_exports as (

    select
        'taobao_export:' || exported_orders.order_id as observation_key,
        exported_orders.order_id,
        'taobao_export' as source_system,
        '{{ var("taobao_shop_channel") }}' as channel,
        exported_orders.shop_id,
        exported_orders.buyer_nick,
        exported_orders.buyer_member_nickname,
        cast(null as {{ dbt.type_string() }}) as buyer_open_uid,
        cast(null as {{ dbt.type_string() }}) as erp_customer_no,
        coalesce(exported_orders.receiver_mobile_hmac, shipments.receiver_mobile_hmac)
            as receiver_mobile_hmac,
        case when exported_orders.receiver_mobile_hmac is not null
            then exported_orders.receiver_mobile_kind else shipments.receiver_mobile_kind
        end as receiver_mobile_kind,
        exported_orders.alipay_account_hmac,
        coalesce(exported_orders.receiver_name_hmac, shipments.receiver_name_hmac)
            as receiver_name_hmac,
        exported_orders.order_status_text,
        exported_orders.close_reason,
        exported_orders.order_state,
        exported_orders.goods_amount,
        exported_orders.postage_amount,
        exported_orders.coupon_amount,
        cast(
            coalesce(exported_orders.buyer_paid_amount, sub_order_totals.paid_amount, 0)
            as decimal(18, 2)
        ) as buyer_paid_amount,
        case when exported_orders.buyer_paid_amount is null then 'sub_orders' else 'order' end
            as paid_amount_source,
        exported_orders.export_refund_amount,
        coalesce(exported_orders.receiver_province, shipments.receiver_province)
            as receiver_province,
        coalesce(exported_orders.receiver_city, shipments.receiver_city) as receiver_city,
        coalesce(exported_orders.item_quantity, cast(sub_order_totals.item_quantity as integer))
            as item_quantity,
        exported_orders.is_mobile_order,
        exported_orders.is_presale,
        exported_orders.created_at,
        exported_orders.paid_at,
        coalesce(exported_orders.shipped_at, shipments.shipped_at) as shipped_at,
        exported_orders.confirmed_at,
        exported_orders.exported_at
    from exported_orders
    left join sub_order_totals
        on exported_orders.order_id = sub_order_totals.order_id
    left join shipments
        on exported_orders.order_id = shipments.order_id

),

from_sub_order_exports as (

    select
        'taobao_suborder_export:' || sub_order_totals.order_id as observation_key,
        sub_order_totals.order_id,
        'taobao_suborder_export' as source_system,
        '{{ var("taobao_shop_channel") }}' as channel,
        cast(null as {{ dbt.type_string() }}) as shop_id,
        cast(null as {{ dbt.type_string() }}) as buyer_nick,
        cast(null as {{ dbt.type_string() }}) as buyer_member_nickname,
        cast(null as {{ dbt.type_string() }}) as buyer_open_uid,
        cast(null as {{ dbt.type_string() }}) as erp_customer_no,
        shipments.receiver_mobile_hmac,
        shipments.receiver_mobile_kind,
        cast(null as {{ dbt.type_string() }}) as alipay_account_hmac,
        shipments.receiver_name_hmac,
        sub_order_totals.order_status_text,
        cast(null as {{ dbt.type_string() }}) as close_reason,
        {{ taobao_order_state('sub_order_totals.order_status_text', 'sub_order_totals.paid_at', 'null') }}
            as order_state,
        cast(sub_order_totals.goods_amount as decimal(18, 2)) as goods_amount,
        cast(0 as decimal(18, 2)) as postage_amount,
        cast(0 as decimal(18, 2)) as coupon_amount,
        cast(coalesce(sub_order_totals.paid_amount, 0) as decimal(18, 2)) as buyer_paid_amount,
        'sub_orders' as paid_amount_source,
        cast(coalesce(sub_order_totals.refund_amount, 0) as decimal(18, 2))
            as export_refund_amount,
        shipments.receiver_province,
        shipments.receiver_city,
        cast(sub_order_totals.item_quantity as integer) as item_quantity,
        false as is_mobile_order,
        false as is_presale,
        sub_order_totals.created_at,
        sub_order_totals.paid_at,
        shipments.shipped_at,
        cast(null as {{ dbt.type_timestamp() }}) as confirmed_at,
        sub_order_totals.exported_at
    from sub_order_totals
    left join shipments
        on sub_order_totals.order_id = shipments.order_id
    where sub_order_totals.order_id not in (select order_id from exported_orders)

),

from_api as (

    select
        'top_api:' || api_trades.order_id as observation_key,
        api_trades.order_id,
        'top_api' as source_system,
        case api_channels.seller_type
            when 'B' then 'tmall'
            when 'C' then 'taobao'
            else '{{ var("taobao_shop_channel") }}'
        end as channel,
        cast(null as {{ dbt.type_string() }}) as shop_id,
        api_trades.buyer_nick,
        cast(null as {{ dbt.type_string() }}) as buyer_member_nickname,
        api_trades.buyer_open_uid,
        cast(null as {{ dbt.type_string() }}) as erp_customer_no,
        api_trades.receiver_mobile_hmac,
        api_trades.receiver_mobile_kind,
        cast(null as {{ dbt.type_string() }}) as alipay_account_hmac,
        api_trades.receiver_name_hmac,
        api_trades.order_status_text,
        cast(null as {{ dbt.type_string() }}) as close_reason,
        api_trades.order_state,
        api_trades.goods_amount,
        api_trades.postage_amount,
        api_trades.discount_amount as coupon_amount,
        api_trades.buyer_paid_amount,
        'order' as paid_amount_source,
        cast(coalesce(api_refunds.refund_amount, 0) as decimal(18, 2)) as export_refund_amount,
        api_trades.receiver_province,
        api_trades.receiver_city,
        cast(null as integer) as item_quantity,
        api_trades.is_mobile_order,
        api_trades.is_presale,
        api_trades.created_at,
        api_trades.paid_at,
        api_trades.shipped_at,
        api_trades.ended_at as confirmed_at,
        api_trades.exported_at
    from api_trades
    left join api_refunds
        on api_trades.order_id = api_refunds.order_id
    left join api_channels
        on api_trades.order_id = api_channels.order_id

),

from_douyin as (

    select
        'douyin_export:' || order_id as observation_key,
        order_id,
        'douyin_export' as source_system,
        'douyin' as channel,
        cast(null as {{ dbt.type_string() }}) as shop_id,
        cast(null as {{ dbt.type_string() }}) as buyer_nick,
        cast(null as {{ dbt.type_string() }}) as buyer_member_nickname,
        cast(null as {{ dbt.type_string() }}) as buyer_open_uid,
        cast(null as {{ dbt.type_string() }}) as erp_customer_no,
        receiver_mobile_hmac,
        receiver_mobile_kind,
        cast(null as {{ dbt.type_string() }}) as alipay_account_hmac,
        receiver_name_hmac,
        order_status_text,
        cast(null as {{ dbt.type_string() }}) as close_reason,
        case
            when {{ erp_order_state('order_status_text') }} = 'closed_unpaid'
                and paid_at is not null
                then 'closed_refunded'
            else {{ erp_order_state('order_status_text') }}
        end as order_state,
        cast(goods_amount as decimal(18, 2)) as goods_amount,
        cast(postage_amount as decimal(18, 2)) as postage_amount,
        cast(discount_amount as decimal(18, 2)) as coupon_amount,
        -- 订单应付金额 is each sub-order's share; postage (运费) is the order's, on every row
        cast(coalesce(paid_amount, 0) + coalesce(postage_amount, 0) as decimal(18, 2))
            as buyer_paid_amount,
        'order' as paid_amount_source,
        cast(0 as decimal(18, 2)) as export_refund_amount,
        receiver_province,
        receiver_city,
        cast(item_quantity as integer) as item_quantity,
        true as is_mobile_order,
        false as is_presale,
        created_at,
        paid_at,
        shipped_at,
        finished_at as confirmed_at,
        exported_at
    from douyin_orders

),

from_erp as (

    select * from erp_observations
    {{ only_touched_orders() }}

),

observations as (

    select * from from_order_exports
    union all
    select * from from_sub_order_exports
    union all
    select * from from_api
    union all
    select * from from_douyin
    union all
    select * from from_erp

)

select
    observations.*,
    {{ order_rows_loaded_through() }} as built_through
from observations
