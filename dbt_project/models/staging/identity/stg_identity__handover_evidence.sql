{#- One row per identifier type and a type that tells when it changed hands: that type's values
    on the identifier's records all change on one day (dbt_project/identity_rules.yml
    `handover_evidence`, as the loader wrote it). -#}
select
    identifier_type,
    evidence_type
from {{ source('raw', 'identity_handover_evidence') }}
