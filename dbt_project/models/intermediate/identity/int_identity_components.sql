{#- One row per linking identifier with its connected component in the identity graph, by the
    connected_components materialization (macros/identity/connected_components.sql). -#}
{{ config(materialized='connected_components') }}

select from_node_key, to_node_key
from {{ ref('int_identity_edges') }}
