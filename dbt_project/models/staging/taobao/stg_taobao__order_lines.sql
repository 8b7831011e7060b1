{#- One row per order line, taken from the newest export file that lists the order: a line has
    no id of its own before 2020 (宝贝报表 had only 订单编号), so lines of one order are only
    comparable within one file. -#}
with

source as (

    select * from {{ source('raw', 'taobao_order_lines') }}

),

newest_file_per_order as (

    select
        *,
        {{ export_recency_rank('order_id', whole_file=true) }} as export_recency_rank
    from source

),

renamed as (

    select
        -- ids
        coalesce(
            sub_order_id,
            order_id || '-' || cast(
                row_number() over (
                    partition by order_id, _file_sha256 order by _source_line
                ) as {{ dbt.type_string() }}
            )
        ) as order_line_id,
        order_id,
        sub_order_id,
        merchant_code,
        item_id,

        -- product as sold
        title,
        sku_properties,

        -- amounts (CNY)
        cast(unit_price as decimal(18, 2)) as unit_price,
        quantity,
        cast(coalesce(line_payable_amount, unit_price * quantity) as decimal(18, 2))
            as line_goods_amount,
        cast(line_paid_amount as decimal(18, 2)) as line_paid_amount,
        cast(coalesce(refund_amount, 0) as decimal(18, 2)) as line_refund_amount,
        refund_status,

        -- the order as the line shows it (2020+ lines; the 2023+ sub-order export has no other)
        order_status as order_status_text,
        created_at,
        paid_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line,
        _exported_at as exported_at

    from newest_file_per_order
    where export_recency_rank = 1

)

select * from renamed
