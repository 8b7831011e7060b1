{#- One row per order, whichever way the shop has it: the back office's 订单报表 (2016-2022 CSV,
    the 2023 workbook's sheet), the 2023+ sub-order export alone (orders summed from their
    sub-orders, buyer from the 发货报表), the TOP API, the 抖店 export, or the shop's ERP (its
    buyer record for any order; the whole order for offline sales and other platforms).
    int_order_observations holds what each of them says.

    An order seen in several places takes its state and money from the most recent observation
    (by export time; the API wins a tie, it is the platform's own record), and each identifier
    from whichever source has it: the API brings nick and open_uid where the 2023+ exports have
    none, the 发货报表 the phone where the sub-order export has none.

    Where the paid amount is the sum of the sub-orders (paid_amount_source = 'sub_orders': the
    2023+ exports without an order-level paid amount), it leaves out postage, which those
    exports do not carry.

    Observations are ranked on narrow rows and the chosen ones read back by key, so no step holds
    the whole wide union at once. The identifiers' max() keep their strings outside DuckDB's pool
    (about 1.1 GB at 1M customers), so the model runs with half the profile's cap.

    Incremental: a night chooses again for the orders whose observations were rewritten since
    its last build (their `built_through` is later than its own), and drops orders that have no
    observation left (an ERP order that now fulfils a platform order). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='order_id',
    on_schema_change='fail',
    pre_hook="{{ shrink_memory_limit(0.5) }}",
    post_hook=[
        "{{ restore_memory_limit() }}",
        "{{ drop_orders_without_observations() }}",
    ],
) }}
{#- The platform's own record decides; the ERP only for orders it alone has. The key last makes
    the order total (an ERP can split one order into several ERP orders in one export). -#}
{%- set observation_order -%}
    case when source_system = 'erp' then 1 else 0 end,
    exported_at desc nulls last,
    case source_system when 'top_api' then 0 when 'taobao_export' then 1 else 2 end,
    observation_key
{%- endset %}
with

observations as {{ not_materialized() }} (

    select * from {{ ref('int_order_observations') }}
    {%- if is_incremental() %}
    where order_id in (
        select order_id from {{ ref('int_order_observations') }}
        where built_through > {{ built_through_watermark() }}
    )
    {%- endif %}

),

ranked as (

    select
        observation_key,
        row_number() over (partition by order_id order by {{ observation_order }}) as observation_rank
    from observations

),

chosen as (

    select observations.*
    from observations
    inner join ranked
        on observations.observation_key = ranked.observation_key
    where ranked.observation_rank = 1

),

-- Identifiers from every observation of the order, not only the chosen one.
identifiers as (

    select
        order_id,
        coalesce(
            max(case when buyer_nick not like '%*%' then buyer_nick end), max(buyer_nick)
        ) as buyer_nick,
        max(buyer_member_nickname) as buyer_member_nickname,
        max(buyer_open_uid) as buyer_open_uid,
        max(erp_customer_no) as erp_customer_no,
        max(alipay_account_hmac) as alipay_account_hmac,
        max(receiver_name_hmac) as receiver_name_hmac,
        count(*) as observation_count
    from observations
    group by order_id

),

mobiles as (

    select
        order_id,
        receiver_mobile_hmac,
        receiver_mobile_kind,
        row_number() over (partition by order_id order by {{ observation_order }}) as mobile_rank
    from observations
    where receiver_mobile_hmac is not null

),

final as (

    select
        chosen.order_id,
        chosen.source_system,
        chosen.channel,
        chosen.shop_id,
        identifiers.buyer_nick,
        identifiers.buyer_member_nickname,
        identifiers.buyer_open_uid,
        identifiers.erp_customer_no,
        mobiles.receiver_mobile_hmac,
        mobiles.receiver_mobile_kind,
        identifiers.alipay_account_hmac,
        identifiers.receiver_name_hmac,
        chosen.order_status_text,
        chosen.close_reason,
        chosen.order_state,
        chosen.goods_amount,
        chosen.postage_amount,
        chosen.coupon_amount,
        chosen.buyer_paid_amount,
        chosen.paid_amount_source,
        chosen.export_refund_amount,
        chosen.receiver_province,
        chosen.receiver_city,
        chosen.item_quantity,
        chosen.is_mobile_order,
        chosen.is_presale,
        chosen.created_at,
        chosen.paid_at,
        chosen.shipped_at,
        chosen.confirmed_at,
        chosen.exported_at,
        cast(identifiers.observation_count as integer) as observation_count,
        (select max(built_through) from {{ ref('int_order_observations') }}) as built_through
    from chosen
    inner join identifiers
        on chosen.order_id = identifiers.order_id
    left join mobiles
        on chosen.order_id = mobiles.order_id
        and mobiles.mobile_rank = 1

)

select * from final
