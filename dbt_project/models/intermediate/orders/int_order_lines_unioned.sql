{#- One row per order line across the back office's 宝贝报表 / sub-order exports, the TOP API's
    orders and, for orders only the ERP has, the ERP's lines: the same sub-order (子订单编号 =
    oid) seen in both platform sources is kept once, from the most recent observation. Lines
    before 2020 have no id of their own and come only from exports.

    Incremental: a night lists again the lines of the orders whose observations were rewritten
    since its last build (int_order_observations recomputes every order a new raw row or a
    changed ERP record touches), from all their rows, and drops the ERP lines of ERP orders that
    now fulfil a platform order. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='order_id',
    on_schema_change='fail',
    post_hook="{{ drop_erp_lines_of_vanished_orders() }}",
) }}
with

{% if is_incremental() %}
touched_orders as (

    select order_id from {{ ref('int_order_observations') }}
    where built_through > {{ built_through_watermark() }}

),
{% endif %}

exported_lines as (

    select * from {{ ref('stg_taobao__order_lines') }}
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

erp_lines as (

    select * from {{ ref('stg_erp__order_lines') }}

),

erp_orders as (

    select * from {{ ref('int_erp_orders') }}
    {{ only_touched_orders() }}

),

api_line_refunds as (

    select
        sub_order_id,
        sum(refund_amount) as refund_amount
    from {{ ref('stg_top__refunds') }}
    where refund_state = 'succeeded' and sub_order_id is not null
    {%- if is_incremental() %}
        and order_id in (select order_id from touched_orders)
    {%- endif %}
    group by sub_order_id

),

observations as (

    select
        order_line_id,
        order_id,
        sub_order_id,
        'taobao_export' as source_system,
        merchant_code,
        item_id,
        title,
        sku_properties,
        unit_price,
        quantity,
        line_goods_amount,
        line_paid_amount,
        line_refund_amount,
        refund_status,
        exported_at
    from exported_lines

    union all

    select
        api_lines.order_line_id,
        api_lines.order_id,
        api_lines.sub_order_id,
        'top_api' as source_system,
        api_lines.merchant_code,
        api_lines.item_id,
        api_lines.title,
        api_lines.sku_properties,
        api_lines.unit_price,
        api_lines.quantity,
        api_lines.line_goods_amount,
        api_lines.line_paid_amount,
        cast(coalesce(api_line_refunds.refund_amount, 0) as decimal(18, 2)) as line_refund_amount,
        api_lines.refund_status,
        api_lines.exported_at
    from api_lines
    left join api_line_refunds
        on api_lines.sub_order_id = api_line_refunds.sub_order_id


    union all

    select
        order_line_id,
        order_id,
        sub_order_id,
        'douyin_export' as source_system,
        merchant_code,
        item_id,
        title,
        cast(null as {{ dbt.type_string() }}) as sku_properties,
        cast(case when quantity > 0 then line_goods_amount / quantity end as decimal(18, 2))
            as unit_price,
        quantity,
        line_goods_amount,
        line_paid_amount,
        cast(0 as decimal(18, 2)) as line_refund_amount,
        after_sale_status as refund_status,
        exported_at
    from douyin_lines

    union all

    -- ERP lines only for orders no platform source lists lines for (offline, other platforms)
    select
        erp_lines.erp_line_id as order_line_id,
        erp_orders.order_id,
        cast(null as {{ dbt.type_string() }}) as sub_order_id,
        'erp' as source_system,
        erp_lines.merchant_code,
        cast(null as {{ dbt.type_string() }}) as item_id,
        erp_lines.product_name as title,
        cast(null as {{ dbt.type_string() }}) as sku_properties,
        erp_lines.unit_price,
        erp_lines.quantity,
        cast(coalesce(erp_lines.unit_price * erp_lines.quantity, erp_lines.line_paid_amount)
            as decimal(18, 2)) as line_goods_amount,
        erp_lines.line_paid_amount,
        cast(0 as decimal(18, 2)) as line_refund_amount,
        erp_lines.refund_status,
        erp_lines.exported_at
    from erp_lines
    inner join erp_orders
        on erp_lines.erp_system = erp_orders.erp_system
        and erp_lines.erp_order_no = erp_orders.erp_order_no
    where erp_orders.order_id not in (select order_id from exported_lines)
      and erp_orders.order_id not in (select order_id from api_lines)
      and erp_orders.order_id not in (select order_id from douyin_lines)

),

ranked as (

    select
        *,
        row_number() over (
            partition by order_line_id
            order by exported_at desc nulls last, case when source_system = 'top_api' then 0 else 1 end
        ) as observation_rank
    from observations

)

select
    order_line_id,
    order_id,
    sub_order_id,
    source_system,
    merchant_code,
    item_id,
    title,
    sku_properties,
    unit_price,
    quantity,
    line_goods_amount,
    line_paid_amount,
    line_refund_amount,
    refund_status,
    (select max(built_through) from {{ ref('int_order_observations') }}) as built_through
from ranked
where observation_rank = 1
