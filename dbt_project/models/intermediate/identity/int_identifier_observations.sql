{#- Every identifier seen on every record, as identity resolution reads it
    (int_identifier_observations_unioned), with one correction: a Taobao nick seen after its
    owner renamed away from it, or any identifier seen after it was handed over to someone else
    (int_identifiers_freed), belongs to its next holder, so from then on it is a different
    identifier, `<value> (since <date>)`. `freed_at` says from when, on every observation of such
    an identifier.

    Incremental, record by record (unique key `record_key`): a night rewrites the records macro
    identity_records_to_rewrite names (those the union rewrote since this model's last build,
    those carrying an identifier whose freeing changed, ERP records that left the union), with a
    marker row per record (no identifier type) that the post-hook deletes, so that a record
    rewritten to nothing loses its rows too. What the
    rewrite replaces is kept first by int_identifier_observations_replaced, which therefore runs
    before this model: -#}
-- depends_on: {{ ref('int_identifier_observations_replaced') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='record_key',
    on_schema_change='fail',
    post_hook="{{ drop_marker_rows() }}",
) }}
with

observations as (

    select * from {{ ref('int_identifier_observations_unioned') }}

),

freed as (

    select * from {{ ref('int_identifiers_freed') }}

),

{%- if is_incremental() %}

touched_records as (

    {{ identity_records_to_rewrite(this) }}

),
{%- endif %}

final as (

    select
        observations.source,
        observations.record_key,
        observations.identifier_type,
        case
            when observations.observed_at >= freed.freed_at
                then observations.identifier_value || {{ freed_value_suffix('freed.freed_at') }}
            else observations.identifier_value
        end as identifier_value,
        observations.observed_at,
        freed.freed_at,
        (select max(built_through) from observations) as built_through
    from observations
    left join freed
        on observations.identifier_type = freed.identifier_type
        and observations.identifier_value = freed.identifier_value
    {%- if is_incremental() %}
    where observations.record_key in (select record_key from touched_records)

    union all

    -- a marker per rewritten record, so that one rewritten to nothing is cleared too (the
    -- post-hook deletes them)
    select
        cast(null as {{ dbt.type_string() }}),
        record_key,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_timestamp() }}),
        cast(null as {{ dbt.type_timestamp() }}),
        (select max(built_through) from observations)
    from touched_records
    {%- endif %}

)

select * from final
