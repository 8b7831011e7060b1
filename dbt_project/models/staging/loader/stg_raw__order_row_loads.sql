{#- One row per raw row about an order, with the order it is about and when the loader loaded
    it: what incremental order models read to find the orders touched since their last build
    (macros/incremental/touched_orders.sql). The ERP's rows name an ERP order, not a platform
    order (int_erp_orders maps them): they carry no order id here, only their load time. -#}
with

loads as (

    {%- for table, id_column in order_row_sources() %}
    select
        '{{ table }}' as raw_table,
        cast({{ id_column }} as {{ dbt.type_string() }}) as order_id,
        _loaded_at as loaded_at
    from {{ source('raw', table) }}
    union all
    {%- endfor %}
    {%- for table in ['erp_order_lines', 'erp_after_sales'] %}
    select
        '{{ table }}' as raw_table,
        cast(null as {{ dbt.type_string() }}) as order_id,
        _loaded_at as loaded_at
    from {{ source('raw', table) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select * from loads
