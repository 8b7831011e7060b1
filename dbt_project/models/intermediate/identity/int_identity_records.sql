{#- One row per record (order, member, WeCom contact, WeChat follower, survey answer) that carries
    a linking identifier, with the component it belongs to and that component's customer id
    (int_customer_id_assignments). All linking identifiers of a record are in one component (the
    record's star joins them), so a distinct pair is one row per record; the unique test on
    record_key says so if that ever breaks. A distinct spills where min() of a string, per record,
    held its states outside DuckDB's memory limit. -#}
with

observations as (

    select * from {{ ref('int_identifier_observations') }}

),

components as (

    select * from {{ ref('int_identity_components') }}

),

customer_ids as (

    select distinct component_key, customer_id
    from {{ ref('int_customer_id_assignments') }}
    where component_key is not null

),

record_components as (

    select distinct
        observations.record_key,
        components.component_key
    from observations
    inner join components
        on observations.identifier_type || ':' || observations.identifier_value
            = components.node_key

)

select
    record_components.record_key,
    record_components.component_key,
    customer_ids.customer_id
from record_components
inner join customer_ids
    on record_components.component_key = customer_ids.component_key
