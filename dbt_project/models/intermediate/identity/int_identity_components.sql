{#- One row per linking identifier with its connected component in the identity graph, by the
    connected_components materialization (macros/identity/connected_components.sql). The nodes
    are listed from int_identifiers_assessed (one row per identifier already), so the
    materialization need not take them distinct over every edge's ends. -#}
{{ config(materialized='connected_components', nodes_listed=true) }}

select from_node_key, to_node_key
from {{ ref('int_identity_edges') }}
where from_node_key <> to_node_key

union all

select node_key as from_node_key, cast(null as {{ dbt.type_string() }}) as to_node_key
from {{ ref('int_identifiers_assessed') }}
where link_status = 'links'
