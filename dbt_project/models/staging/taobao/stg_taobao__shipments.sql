{#- One row per shipped order (发货报表), from the newest export that lists it: in the 2023+
    exports this sheet is the only record of who an order went to. -#}
with

source as (

    select * from {{ source('raw', 'taobao_shipments') }}

),

ranked as (

    select
        *,
        {{ export_recency_rank('order_id') }} as export_recency_rank
    from source

),

renamed as (

    select
        -- ids
        order_id,

        -- pseudonymised identifiers
        receiver_mobile_hmac,
        receiver_mobile_kind,
        receiver_name_hmac,

        -- address: only the regions leave staging, never the street
        {{ province_from_address('receiver_region') }} as receiver_province,
        nullif({{ dbt.split_part('receiver_region', "' '", 2) }}, '') as receiver_city,

        -- shipping
        logistics_company,
        shipped_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line,
        _exported_at as exported_at

    from ranked
    where export_recency_rank = 1

)

select * from renamed
