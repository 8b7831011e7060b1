{#- One row per send key with a receipt: its latest status (by status time; at the same time a
    final status over a pending one, delivered over failed). -#}
with

receipts as (

    select * from {{ ref('stg_shop__delivery_receipts') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by send_key
            order by
                status_at desc,
                case delivery_status
                    when 'delivered' then 1 when 'failed' then 2 when 'pending' then 3 else 4
                end,
                source_file desc,
                source_line desc
        ) as receipt_rank
    from receipts

),

final as (

    select
        send_key,
        delivery_status,
        error_code,
        status_at as delivery_status_at
    from ranked
    where receipt_rank = 1

)

select * from final
