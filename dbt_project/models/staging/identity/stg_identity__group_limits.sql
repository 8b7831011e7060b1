{#- One row per limit on an identifier type: it links nobody when seen with more than
    max_group_size identifiers of type group_of, or more than max_concurrent alive at once
    (dbt_project/identity_rules.yml, as the loader wrote it). -#}
select
    identifier_type,
    group_of,
    max_group_size,
    max_concurrent
from {{ source('raw', 'identity_group_limits') }}
