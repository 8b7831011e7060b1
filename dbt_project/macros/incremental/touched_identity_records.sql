{#- Incremental identity recomputes whole records, as the order models recompute whole orders
    (touched_orders.sql): a night rewrites every record with a row loaded since the last build,
    and everything downstream follows the records and identifiers those rewrites changed. -#}

{#- The records int_identifier_observations rewrites in a build whose stored table is `stored`:
    those int_identifier_observations_unioned rewrote since (their `built_through` is later than
    the stored table's); every record carrying an identifier whose freeing changed (a rename or
    handover found tonight, moved to another day or given up: int_identifiers_freed against the
    `freed_at` the stored rows applied), so that all of that identifier's observations are read
    again; and the ERP records that left the union (rewritten to nothing). One macro for the
    model and for int_identifier_observations_replaced, which keeps what the rewrite replaces.

    The stored rows hold a freed identifier's later observations as `<value> (since <date>)`;
    the value it was freed as is that text without the suffix (freed_value_suffix). -#}
{#- What int_identifier_observations appends to a freed identifier's value from `freed_at` on
    (`<value> (since <date>)`); identity_records_to_rewrite takes it off again. -#}
{% macro freed_value_suffix(freed_at) -%}
    ' (since ' || cast(cast({{ freed_at }} as date) as varchar(10)) || ')'
{%- endmacro %}

{% macro identity_records_to_rewrite(stored) -%}
    {%- set applied -%}
        (
            select
                record_key,
                identifier_type,
                case
                    when observed_at >= freed_at
                        then substring(identifier_value from 1
                            for length(identifier_value) - length({{ freed_value_suffix('freed_at') }}))
                    else identifier_value
                end as identifier_value,
                freed_at
            from {{ stored }}
            where freed_at is not null
        )
    {%- endset -%}
    select record_key
    from {{ ref('int_identifier_observations_unioned') }}
    where built_through > {{ built_through_watermark(stored) }}
    union
    -- records carrying an identifier freed tonight or from another day than before
    select unioned.record_key
    from {{ ref('int_identifier_observations_unioned') }} as unioned
    inner join (
        select identifier_type, identifier_value, freed_at
        from {{ ref('int_identifiers_freed') }}
        except
        select identifier_type, identifier_value, freed_at
        from {{ applied }} as applied
    ) as freed_anew
        on unioned.identifier_type = freed_anew.identifier_type
        and unioned.identifier_value = freed_anew.identifier_value
    union
    -- records carrying an identifier freed before whose freeing moved or was given up
    select applied.record_key
    from {{ applied }} as applied
    left join {{ ref('int_identifiers_freed') }} as freed
        on applied.identifier_type = freed.identifier_type
        and applied.identifier_value = freed.identifier_value
        and applied.freed_at = freed.freed_at
    where freed.identifier_type is null
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
