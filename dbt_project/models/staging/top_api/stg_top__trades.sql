{#- One row per trade from the TOP API, in its latest known state: dumps overlap (a trade is
    pulled again each time it changes), so the copy with the newest `modified` wins. -#}
with

source as (

    select * from {{ source('raw', 'top_trades') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by tid
            order by modified_at desc nulls last, _exported_at desc nulls last,
                _source_file desc, _source_line desc
        ) as recency_rank
    from source

),

renamed as (

    select
        -- ids
        tid as order_id,
        buyer_nick,
        buyer_open_uid,
        oaid,

        -- pseudonymised identifiers
        receiver_mobile_hmac,
        receiver_mobile_kind,
        receiver_name_hmac,

        -- state
        status as order_status_text,
        {{ taobao_order_state('status', 'paid_at', 'null') }} as order_state,
        trade_type,
        step_trade_status,

        -- amounts (CNY): total_fee is the goods at list price, payment what the buyer paid
        cast(coalesce(total_fee, 0) as decimal(18, 2)) as goods_amount,
        cast(coalesce(post_fee, 0) as decimal(18, 2)) as postage_amount,
        cast(coalesce(discount_fee, 0) as decimal(18, 2)) as discount_amount,
        cast(payment as decimal(18, 2)) as buyer_paid_amount,

        -- where the buyer is (TOP gives the regions as fields; the street is never loaded)
        case
            when receiver_state in ('北京', '上海', '天津', '重庆') then receiver_state || '市'
            else receiver_state
        end as receiver_province,
        receiver_city,
        receiver_district,

        -- order facts
        coalesce(trade_from like '%WAP%', false) as is_mobile_order,
        step_trade_status is not null as is_presale,  -- 定金/尾款 stages exist only for presales

        -- timestamps (Beijing wall time)
        created_at,
        paid_at,
        consigned_at as shipped_at,
        ended_at,
        modified_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line,
        _exported_at as exported_at

    from ranked
    where recency_rank = 1

)

select * from renamed
