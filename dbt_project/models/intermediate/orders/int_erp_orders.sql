{#- One row per ERP order, with the platform order it fulfils: 原始单号 where the ERP export has
    it, else the platform order of its first sub-order (旺店通's 订单 export has only 子单原始单号).
    An ERP order with no platform order is the shop's own (offline, or typed in by hand): its
    order id is `ERP-<erp>-<ERP order number>`.

    ERPs split and merge platform orders (拆单/合单); a platform order fulfilled by several ERP
    orders is still one order downstream, where platform sources decide its state. -#}
with

erp_lines as (

    select * from {{ ref('stg_erp__order_lines') }}

),

refunds_by_erp_order as (

    select
        erp_order_no,
        sum(refund_amount) as refunded_amount
    from {{ ref('stg_erp__after_sales') }}
    where refund_state = 'succeeded' and erp_order_no is not null
    group by erp_order_no

),

platform_sub_orders as (

    select sub_order_id, order_id
    from {{ ref('stg_taobao__order_lines') }}
    where sub_order_id is not null

    union

    select sub_order_id, order_id
    from {{ ref('stg_top__trade_orders') }}

),

erp_orders as (

    select
        erp_system,
        erp_order_no,
        max(platform_order_id) as platform_order_id,
        min(platform_sub_order_id) as first_platform_sub_order_id,
        max(channel) as channel,
        max(buyer_nick) as buyer_nick,
        max(platform_buyer_id) as platform_buyer_id,
        max(erp_customer_no) as erp_customer_no,
        max(receiver_mobile_hmac) as receiver_mobile_hmac,
        max(receiver_mobile_kind) as receiver_mobile_kind,
        max(receiver_name_hmac) as receiver_name_hmac,
        max(receiver_province) as receiver_province,
        max(receiver_city) as receiver_city,
        max(order_status_text) as order_status_text,
        max(order_state) as order_state,
        coalesce(max(order_paid_amount), sum(line_paid_amount)) as paid_amount,
        sum(quantity) as item_quantity,
        min(traded_at) as traded_at,
        min(paid_at) as paid_at,
        min(shipped_at) as shipped_at,
        max(exported_at) as exported_at
    from erp_lines
    group by erp_system, erp_order_no

),

resolved as (

    select
        coalesce(
            erp_orders.platform_order_id,
            platform_sub_orders.order_id,
            'ERP-' || erp_orders.erp_system || '-' || erp_orders.erp_order_no
        ) as order_id,
        erp_orders.*,
        cast(coalesce(refunds_by_erp_order.refunded_amount, 0) as decimal(18, 2))
            as refunded_amount
    from erp_orders
    left join refunds_by_erp_order
        on erp_orders.erp_order_no = refunds_by_erp_order.erp_order_no
    -- an equality alone, so the join hashes (a side condition here made DuckDB loop: 263 s at
    -- 100k customers); the ERP's own 原始单号 wins in the coalesce above anyway
    left join platform_sub_orders
        on erp_orders.first_platform_sub_order_id = platform_sub_orders.sub_order_id

)

select * from resolved
