{#- Incremental order models recompute whole orders: every order with a raw row loaded since the
    model was last built ("touched"), from all of that order's rows, old and new. That needs no
    lookback window: a re-export of last year's orders, a refund weeks later or a file landing a
    day late are rows loaded tonight, whatever day they describe, and their orders are recomputed
    in full. The loader only appends to raw (a file's rows are replaced only inside the load of
    that file), so rows loaded since the watermark are everything new.

    ORDER_ROW_SOURCES: each raw table of platform order rows, with the column holding the order
    id. -#}
{% macro order_row_sources() -%}
    {{ return([
        ('taobao_orders', 'order_id'),
        ('taobao_order_lines', 'order_id'),
        ('taobao_shipments', 'order_id'),
        ('top_trades', 'tid'),
        ('top_trade_orders', 'tid'),
        ('top_refunds', 'tid'),
        ('douyin_order_lines', 'order_id'),
    ]) }}
{%- endmacro %}

{#- The newest raw row the build reads: stored on each row it writes as `built_through`, the
    next build's watermark, and the one downstream incremental models compare with theirs. The
    ERP's rows count too: a night that brings only an ERP export still changes observations, and
    must stamp them later than the last build's. -#}
{% macro order_rows_loaded_through() -%}
    (select max(loaded_at) from {{ ref('stg_raw__order_row_loads') }})
{%- endmacro %}

{#- How far the last build of `relation` (default `this`) read: the newest `built_through` it
    stored, or long ago for an empty table. Every incremental model compares its inputs' stamps
    with it. -#}
{% macro built_through_watermark(relation=none) -%}
    (
        select coalesce(max(built_through), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ relation if relation is not none else this }}
    )
{%- endmacro %}

{#- The ids of platform orders with a raw row loaded after the last build of `this`. -#}
{% macro orders_loaded_since_last_build() -%}
    select distinct order_id from {{ ref('stg_raw__order_row_loads') }}
    where loaded_at > {{ built_through_watermark() }}
        and order_id is not null
{%- endmacro %}

{#- In an incremental build, the filter that keeps a CTE to the touched orders; nothing in a
    full one. -#}
{% macro only_touched_orders(column='order_id') -%}
    {%- if is_incremental() -%}
    where {{ column }} in (select order_id from touched_orders)
    {%- endif -%}
{%- endmacro %}

{#- The post-hook of int_order_observations: an ERP observation whose ERP order is gone, or now
    fulfils another order (its platform sub-orders arrived after it), leaves with its old order;
    the new order's observations were recomputed with the touched ones. -#}
{% macro drop_stale_erp_observations() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where source_system = 'erp'
        and observation_key || '@' || order_id not in (
            select 'erp:' || erp_system || ':' || erp_order_no || '@' || order_id
            from {{ ref('int_erp_orders') }}
        )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- The post-hook of int_orders_unioned: an order with no observation left (an ERP order that
    now fulfils a platform order, an order erased with its person) leaves. -#}
{% macro drop_orders_without_observations() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where order_id not in (select order_id from {{ ref('int_order_observations') }})
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- The post-hook of int_order_lines_unioned: ERP lines of an order that has no observation left
    (an ERP order that now fulfils a platform order) leave; that order's lines were listed again
    with the touched ones. -#}
{% macro drop_erp_lines_of_vanished_orders() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where source_system = 'erp'
        and order_id not in (select order_id from {{ ref('int_order_observations') }})
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
