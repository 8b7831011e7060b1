{#- One row per ERP order, with the platform order it fulfils: 原始单号 where the ERP export has
    it, else the platform order of its first sub-order (旺店通's 订单 export has only 子单原始单号).
    An ERP order with no platform order is the shop's own (offline, or typed in by hand): its
    order id is `ERP-<erp>-<ERP order number>`.

    ERPs split and merge platform orders (拆单/合单); a platform order fulfilled by several ERP
    orders is still one order downstream, where platform sources decide its state. -#}
with

-- The staging view is read twice rather than through one shared CTE: DuckDB would copy a CTE
-- read twice, every column of every line, into memory first.
order_header_lines as (

    select
        erp_system,
        erp_order_no,
        platform_order_id,
        channel,
        buyer_nick,
        platform_buyer_id,
        erp_customer_no,
        receiver_mobile_hmac,
        receiver_mobile_kind,
        receiver_name_hmac,
        receiver_province,
        receiver_city,
        order_status_text,
        order_state,
        order_paid_amount
    from {{ ref('stg_erp__order_lines') }}
    where line_number = 1

),

order_line_totals as (

    select
        erp_system,
        erp_order_no,
        min(platform_sub_order_id) as first_platform_sub_order_id,
        sum(line_paid_amount) as lines_paid_amount,
        sum(quantity) as item_quantity,
        min(traded_at) as traded_at,
        min(paid_at) as paid_at,
        min(shipped_at) as shipped_at,
        max(exported_at) as exported_at
    from {{ ref('stg_erp__order_lines') }}
    group by erp_system, erp_order_no

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

-- Order-level fields (buyer, receiver, status, 订单支付金额) come from the order's first line in
-- its export: ERPs repeat them on every line, and merged-cell exports keep them on the first.
-- Only numbers and times are aggregated over the lines; string aggregates hold a copy of every
-- order's strings outside DuckDB's memory limit (0.7 GB at 1M customers).
erp_orders as (

    select
        order_header_lines.erp_system,
        order_header_lines.erp_order_no,
        order_header_lines.platform_order_id,
        order_line_totals.first_platform_sub_order_id,
        order_header_lines.channel,
        order_header_lines.buyer_nick,
        order_header_lines.platform_buyer_id,
        order_header_lines.erp_customer_no,
        order_header_lines.receiver_mobile_hmac,
        order_header_lines.receiver_mobile_kind,
        order_header_lines.receiver_name_hmac,
        order_header_lines.receiver_province,
        order_header_lines.receiver_city,
        order_header_lines.order_status_text,
        order_header_lines.order_state,
        coalesce(order_header_lines.order_paid_amount, order_line_totals.lines_paid_amount)
            as paid_amount,
        order_line_totals.item_quantity,
        order_line_totals.traded_at,
        order_line_totals.paid_at,
        order_line_totals.shipped_at,
        order_line_totals.exported_at
    from order_header_lines
    inner join order_line_totals
        on order_header_lines.erp_system = order_line_totals.erp_system
        and order_header_lines.erp_order_no = order_line_totals.erp_order_no

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
