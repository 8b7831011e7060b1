{#- Incremental identity recomputes whole records, as the order models recompute whole orders
    (touched_orders.sql): a night rewrites every record with a row loaded since the last build,
    and everything downstream follows the records and identifiers those rewrites changed. -#}

{#- The records int_identifier_observations rewrites in a build whose stored table is `stored`:
    those int_identifier_observations_unioned rewrote since (their `built_through` is later than
    the stored table's), every record carrying an identifier freed now (int_identifiers_freed),
    every record that carried one freed before (`freed_at`), so that a rename or handover
    found, moved or given up tonight rewrites all of that identifier's observations, and the
    ERP records that left the union (rewritten to nothing). One macro
    for the model and for int_identifier_observations_replaced, which keeps what the rewrite
    replaces. -#}
{% macro identity_records_to_rewrite(stored) -%}
    select record_key
    from {{ ref('int_identifier_observations_unioned') }}
    where built_through > {{ built_through_watermark(stored) }}
    union
    select unioned.record_key
    from {{ ref('int_identifier_observations_unioned') }} as unioned
    inner join {{ ref('int_identifiers_freed') }} as freed
        on unioned.identifier_type = freed.identifier_type
        and unioned.identifier_value = freed.identifier_value
    union
    select record_key
    from {{ stored }}
    where freed_at is not null
    union
    -- ERP records gone from the union (their ERP order now fulfils another platform order): the
    -- only way a record leaves it, erasure aside, which deletes its rows everywhere itself
    select record_key
    from {{ stored }}
    where source = 'erp'
        and record_key not in (
            select record_key from {{ ref('int_identifier_observations_unioned') }}
            where source = 'erp'
        )
{%- endmacro %}

{#- The newest raw row int_identifier_observations_unioned reads, order rows and lists alike: its
    `built_through`, the next build's watermark. -#}
{% macro identity_rows_loaded_through() -%}
    (select max(loaded_at) from (
        select max(loaded_at) as loaded_at from {{ ref('stg_raw__order_row_loads') }}
        union all
        select max(loaded_at) from {{ ref('stg_raw__identity_record_loads') }}
    ) as loads)
{%- endmacro %}

{#- The post-hook of the incremental identity models: the rows
    with no identifier type (a marker per touched record, an identifier with no observation
    left) that made the delete+insert clear what the night emptied leave. -#}
{% macro drop_marker_rows() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where identifier_type is null
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook of int_identifier_observations_replaced: the replaced rows int_identifiers_assessed
    has read (stamped no later than its `built_through`) leave. Found by name, as the model finds
    int_identifier_observations: the assessments are downstream. -#}
{% macro drop_replaced_observations_read() -%}
    {%- set assessed = adapter.get_relation(
        database=this.database, schema=this.schema, identifier='int_identifiers_assessed') -%}
    {%- if is_incremental() and assessed is not none -%}
    delete from {{ this }} where built_through <= {{ built_through_watermark(assessed) }}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
