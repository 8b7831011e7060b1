{#- One canonical order state from the back office's status text.

    交易关闭 means two different things: closed before payment (closed_unpaid) and paid then
    refunded in full (closed_refunded). Exports tell them apart only by the payment time and the
    close reason, so both are read here. Full-width and half-width commas are both seen in the
    status text and are folded before matching. -#}
{% macro taobao_order_state(status, paid_at, close_reason) -%}
    case
        when replace({{ status }}, '，', ',') in ('等待买家付款', 'WAIT_BUYER_PAY', 'TRADE_NO_CREATE_PAY')
            then 'pending_payment'
        when replace({{ status }}, '，', ',') in ('买家已付款,等待卖家发货', 'WAIT_SELLER_SEND_GOODS')
            then 'paid'
        when replace({{ status }}, '，', ',') in (
            '卖家已发货,等待买家确认', '卖家部分发货', 'WAIT_BUYER_CONFIRM_GOODS', 'SELLER_CONSIGNED_PART'
        )
            then 'shipped'
        when {{ status }} in (
            '交易成功', '已收货', '买家已收货', '已签收', '交易完成', '已完成', '待评价', '已结算',
            'TRADE_FINISHED', 'TRADE_BUYER_SIGNED'
        )
            then 'completed'
        when {{ status }} in ('交易关闭', 'TRADE_CLOSED', 'TRADE_CLOSED_BY_TAOBAO', '退款成功')
            then case
                when {{ status }} = 'TRADE_CLOSED_BY_TAOBAO' then 'closed_unpaid'
                when {{ paid_at }} is null then 'closed_unpaid'
                when {{ close_reason }} like '%未付款%' then 'closed_unpaid'
                else 'closed_refunded'
            end
        else 'unknown'
    end
{%- endmacro %}
