{#- One row per record (order, member, WeCom contact, WeChat follower, survey answer) that carries
    a linking identifier, with the component it belongs to. All linking identifiers of a record
    are in one component (the record's star joins them), so the first is as good as any. -#}
with

observations as (

    select * from {{ ref('int_identifier_observations') }}

),

components as (

    select * from {{ ref('int_identity_components') }}

),

grouped as (

    select
        observations.record_key,
        min(components.component_key) as component_key
    from observations
    inner join components
        on observations.identifier_type || ':' || observations.identifier_value
            = components.node_key
    group by observations.record_key

)

select
    record_key,
    component_key,
    {{ customer_id_of('component_key') }} as customer_id
from grouped
