{#- Every identifier seen on every record, as identity resolution reads it
    (int_identifier_observations_unioned), with one correction: a Taobao nick seen after its
    owner renamed away from it (int_taobao_nick_renames), or any identifier seen after it was
    handed over to someone else (int_identifier_handovers), belongs to its next holder, so from
    then on it is a different identifier, `<value> (since <date>)`. -#}
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
        observations.observed_at
    from observations
    left join freed
        on observations.identifier_type = freed.identifier_type
        and observations.identifier_value = freed.identifier_value

)

select * from final
