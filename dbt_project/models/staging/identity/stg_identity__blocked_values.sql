{#- One row per blocked identifier value (pseudonymised where personal) or SQL LIKE pattern
    (dbt_project/identity_rules.yml, as the loader wrote it). -#}
select
    identifier_type,
    blocked_value,
    match_kind
from {{ source('raw', 'identity_blocked_values') }}
