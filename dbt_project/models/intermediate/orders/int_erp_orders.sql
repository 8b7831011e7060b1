{#- One row per ERP order, with the platform order it fulfils: 原始单号 where the ERP export has
    it, else the platform order of its first sub-order (旺店通's 订单 export has only 子单原始单号).
    An ERP order with no platform order is the shop's own (offline, or typed in by hand): its
    order id is `ERP-<erp>-<ERP order number>`.

    ERPs split and merge platform orders (拆单/合单); a platform order fulfilled by several ERP
    orders is still one order downstream, where platform sources decide its state. -#}
{#- An ERP order's own cells, repeated on each of its lines (blank on continuation lines of
    merged-cell exports). platform_order_id first: the output puts first_platform_sub_order_id
    right after it. -#}
{%- set order_cells = [
    'platform_order_id', 'channel', 'buyer_nick', 'platform_buyer_id', 'erp_customer_no',
    'receiver_mobile_hmac', 'receiver_mobile_kind', 'receiver_name_hmac', 'receiver_province',
    'receiver_city', 'order_status_text', 'order_state',
] %}
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

-- An ERP order's own cells as group keys: most exports repeat them on every line, so this is
-- one row per order. A string that is a group key can spill to disk; a string max() per order is
-- held in memory outside DuckDB's cap (DECISIONLOG.md). Read twice below, so the engine keeps it
-- once: a row per order, where reading it anew would rank the staging view's lines again.
order_variants as (

    select
        erp_system,
        erp_order_no,
        {%- for cell in order_cells %}
        {{ cell }},
        {%- endfor %}
        min(platform_sub_order_id) as first_platform_sub_order_id,
        max(order_paid_amount) as order_paid_amount,
        sum(line_paid_amount) as lines_paid_amount,
        sum(quantity) as item_quantity,
        min(traded_at) as traded_at,
        min(paid_at) as paid_at,
        min(shipped_at) as shipped_at,
        max(exported_at) as exported_at,
        count(*) over (partition by erp_system, erp_order_no) as variant_count
    from erp_lines
    group by erp_system, erp_order_no, {{ order_cells | join(', ') }}

),

-- Where an order's lines disagree (merged-cell exports leave the continuation lines blank; a
-- merged order can name several platform orders) each cell takes its largest value.
erp_orders as (

    select
        erp_system,
        erp_order_no,
        platform_order_id,
        first_platform_sub_order_id,
        {%- for cell in order_cells[1:] %}
        {{ cell }},
        {%- endfor %}
        coalesce(order_paid_amount, lines_paid_amount) as paid_amount,
        item_quantity,
        traded_at,
        paid_at,
        shipped_at,
        exported_at
    from order_variants
    where variant_count = 1

    union all

    select
        erp_system,
        erp_order_no,
        max(platform_order_id) as platform_order_id,
        min(first_platform_sub_order_id) as first_platform_sub_order_id,
        {%- for cell in order_cells[1:] %}
        max({{ cell }}) as {{ cell }},
        {%- endfor %}
        coalesce(max(order_paid_amount), sum(lines_paid_amount)) as paid_amount,
        sum(item_quantity) as item_quantity,
        min(traded_at) as traded_at,
        min(paid_at) as paid_at,
        min(shipped_at) as shipped_at,
        max(exported_at) as exported_at
    from order_variants
    where variant_count > 1
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
