{#- One row per identifier that names its next holder from some moment: a Taobao nick its owner
    renamed away from (int_taobao_nick_renames), or anything handed over to someone else
    (int_identifier_handovers). From `freed_at` on, int_identifier_observations reads it as a
    different identifier, `<value> (since <date>)`. A view: a few rows per thousand customers,
    read by int_identifier_observations and by the macro that says which records it rewrites. -#}
{{ config(materialized='view') }}
with

freed as (

    select 'taobao_nick' as identifier_type, old_nick as identifier_value,
        renamed_by as freed_at
    from {{ ref('int_taobao_nick_renames') }}
    union all
    select identifier_type, identifier_value, handed_over_at
    from {{ ref('int_identifier_handovers') }}

)

select identifier_type, identifier_value, min(freed_at) as freed_at
from freed
group by identifier_type, identifier_value
