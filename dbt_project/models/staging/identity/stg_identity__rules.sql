{#- One row per identifier type: whether it links records (dbt_project/identity_rules.yml, as
    the loader wrote it). -#}
select
    identifier_type,
    links
from {{ source('raw', 'identity_rules') }}
