{#- One canonical order state from an ERP's or 抖店's order status: they write Chinese words,
    聚水潭's API its English codes (WaitConfirm, Confirmed, Cancelled, Delete, …).
    Unrecognised wording is `unknown`, never guessed. -#}
{% macro erp_order_state(status) -%}
    case
        when {{ status }} in ('已完成', '交易成功', '已签收', '已收货', '完成') then 'completed'
        when {{ status }} in ('已发货', '已出库', '发货完成', 'Confirmed', 'Sent') then 'shipped'
        when {{ status }} in (
            '待发货', '已支付', '备货中', '已审核', '待审核', '已付款', '待出库', '待财审', '待客审', '审核通过',
            'WaitConfirm', 'WaitOuterSent', 'OuterConfirming'
        ) then 'paid'
        when {{ status }} in ('待付款', '未付款', '待支付', 'WaitPay') then 'pending_payment'
        when {{ status }} in ('已取消', '已作废', '已关闭', 'Cancelled', 'Delete') then 'closed_unpaid'
        when {{ status }} in ('已退款', '退款成功') then 'closed_refunded'
        else 'unknown'
    end
{%- endmacro %}
