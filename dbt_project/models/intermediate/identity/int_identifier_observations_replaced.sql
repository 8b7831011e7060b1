{#- The observations each night's rewrite of int_identifier_observations replaces: the rows its
    records held before the night (macro identity_records_to_rewrite says which records), stamped
    with the night's `built_through`. What a night adds is in int_identifier_observations; what it
    took away is only here, and int_identifiers_assessed needs both: an identifier that left a
    record (a re-export with another phone, an ERP order that moved, a nick renamed) has fewer
    records, another lifetime, maybe no observation at all.

    It reads int_identifier_observations as the last build left it, before tonight's rewrite, so it
    runs first (int_identifier_observations depends on it) and finds the table by name, not by
    ref, which would be a cycle. Rows the assessments have read (stamped no later than their
    `built_through`) are deleted before each build; a full build leaves it empty. -#}
-- depends_on: {{ ref('int_identifier_observations_unioned') }}
-- depends_on: {{ ref('int_identifiers_freed') }}
{%- set stored = adapter.get_relation(
    database=this.database, schema=this.schema, identifier='int_identifier_observations') -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ drop_replaced_observations_read() }}",
) }}
with

{%- if is_incremental() and stored is not none %}

rewritten as (

    {{ identity_records_to_rewrite(stored) }}

),

final as (

    select
        stored.source,
        stored.record_key,
        stored.identifier_type,
        stored.identifier_value,
        stored.observed_at,
        (select max(built_through) from {{ ref('int_identifier_observations_unioned') }})
            as built_through
    from {{ stored }} as stored
    where stored.record_key in (select record_key from rewritten)

)
{%- else %}

final as (

    select
        cast(null as {{ dbt.type_string() }}) as source,
        cast(null as {{ dbt.type_string() }}) as record_key,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        cast(null as {{ dbt.type_string() }}) as identifier_value,
        cast(null as {{ dbt.type_timestamp() }}) as observed_at,
        cast(null as {{ dbt.type_timestamp() }}) as built_through
    where 1 = 0

)
{%- endif %}

select * from final
