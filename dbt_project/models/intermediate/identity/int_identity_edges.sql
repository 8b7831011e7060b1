{#- The identity graph's edges: identifiers that may link (int_identifiers_assessed) and share a
    record. Each record contributes a star, every identifier on it joined to the record's least
    one, which connects the same identifiers as every pair would with far fewer edges. Every
    linking identifier also has an edge to itself, so one seen alone is its own component. -#}
with

observations as (

    select * from {{ ref('int_identifier_observations') }}

),

linking as (

    select identifier_type, identifier_value, node_key
    from {{ ref('int_identifiers_assessed') }}
    where link_status = 'links'

),

on_records as (

    select distinct
        observations.record_key,
        linking.node_key
    from observations
    inner join linking
        on observations.identifier_type = linking.identifier_type
        and observations.identifier_value = linking.identifier_value

),

-- The anchor is a window over on_records rather than a grouped CTE joined back: read twice, the
-- CTE is materialised whole (17M pairs of key strings at 1M customers, outside DuckDB's memory
-- limit); read once, it streams.
stars as (

    select
        min(node_key) over (partition by record_key) as from_node_key,
        node_key as to_node_key
    from on_records

),

final as (

    select distinct from_node_key, to_node_key
    from stars

    union

    select node_key, node_key
    from linking

)

select * from final
