{#- Every identifier seen on every record, as identity resolution reads it
    (int_identifier_observations_unioned), with one correction: a Taobao nick seen after its
    owner renamed away from it (int_taobao_nick_renames) belongs to whoever registered it next,
    so from then on it is a different identifier, `<nick> (since <date of the rename>)`. -#}
with

observations as (

    select * from {{ ref('int_identifier_observations_unioned') }}

),

freed_nicks as (

    select
        'taobao_nick' as identifier_type,
        old_nick as identifier_value,
        min(renamed_by) as freed_at
    from {{ ref('int_taobao_nick_renames') }}
    group by old_nick

),

final as (

    select
        observations.source,
        observations.record_key,
        observations.identifier_type,
        case
            when observations.observed_at >= freed_nicks.freed_at
                then observations.identifier_value || ' (since '
                    || cast(cast(freed_nicks.freed_at as date) as varchar(10)) || ')'
            else observations.identifier_value
        end as identifier_value,
        observations.observed_at
    from observations
    left join freed_nicks
        on observations.identifier_type = freed_nicks.identifier_type
        and observations.identifier_value = freed_nicks.identifier_value

)

select * from final
