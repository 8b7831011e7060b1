{#- Every identifier seen on every record, as identity resolution reads it
    (int_identifier_observations_unioned), with one correction: a Taobao nick seen after its
    owner renamed away from it (int_taobao_nick_renames), or any identifier seen after it was
    handed over to someone else (int_identifier_handovers), belongs to its next holder, so from
    then on it is a different identifier, `<value> (since <date>)`. `freed_at` says from when,
    on every observation of such an identifier.

    Incremental, record by record (unique key `record_key`): a night recomputes the records
    int_identifier_observations_unioned rewrote since this model's last build (`built_through`
    is the newest stamp it read there), every record carrying an identifier freed now, and every
    record that carried one freed before (its `freed_at`), so that a rename or handover found,
    moved or given up tonight rewrites all of that identifier's observations. The post-hook drops
    the ERP observations of records that left int_identifier_observations_unioned (an ERP order
    that now fulfils another platform order): the only way a record disappears there, erasure
    aside, which deletes its rows here itself. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='record_key',
    on_schema_change='fail',
    post_hook="{{ drop_vanished_erp_records() }}",
) }}
with

observations as (

    select * from {{ ref('int_identifier_observations_unioned') }}

),

freed as (

    -- from when an identifier names its next holder: a nick renamed away from, or anything
    -- handed over (int_identifier_handovers)
    select identifier_type, identifier_value, min(freed_at) as freed_at
    from (
        select 'taobao_nick' as identifier_type, old_nick as identifier_value,
            renamed_by as freed_at
        from {{ ref('int_taobao_nick_renames') }}
        union all
        select identifier_type, identifier_value, handed_over_at
        from {{ ref('int_identifier_handovers') }}
    ) as freed_at
    group by identifier_type, identifier_value

),

{%- if is_incremental() %}

touched_records as (

    select record_key
    from observations
    where built_through > (
        select coalesce(max(built_through), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ this }}
    )
    union
    select observations.record_key
    from observations
    inner join freed
        on observations.identifier_type = freed.identifier_type
        and observations.identifier_value = freed.identifier_value
    union
    select record_key
    from {{ this }}
    where freed_at is not null

),
{%- endif %}

final as (

    select
        observations.source,
        observations.record_key,
        observations.identifier_type,
        case
            when observations.observed_at >= freed.freed_at
                then observations.identifier_value || ' (since '
                    || cast(cast(freed.freed_at as date) as varchar(10)) || ')'
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
    {%- endif %}

)

select * from final
