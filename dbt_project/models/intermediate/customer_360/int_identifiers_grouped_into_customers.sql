{#- Which customer each identifier belongs to: the one model every other model reads identity
    from (identity v2, the graph in intermediate/identity).

    A linking identifier belongs to its component. One that never links (an Alipay account, a
    virtual number) or was blocked or skipped belongs to the customer of the records it was seen
    on, when they all belong to one; otherwise to none. A customer is a component; its id is
    the one int_customer_id_assignments keeps for it from night to night. -#}
with

assessed as (

    select * from {{ ref('int_identifiers_assessed') }}

),

components as (

    select * from {{ ref('int_identity_components') }}

),

observations as (

    select * from {{ ref('int_identifier_observations') }}

),

records as (

    select * from {{ ref('int_identity_records') }}

),

customer_ids as (

    select distinct component_key, customer_id
    from {{ ref('int_customer_id_assignments') }}
    where component_key is not null

),

-- Distinct (identifier, component) pairs first, then a count of rows: count(distinct) kept a
-- set of key strings per identifier outside DuckDB's memory limit (and took 4.4 s against 2.6 s
-- at 100k customers).
identifier_components as (

    select distinct
        observations.identifier_type,
        observations.identifier_value,
        records.component_key
    from observations
    inner join records
        on observations.record_key = records.record_key
    where records.component_key is not null

),

attached as (

    select
        identifier_type,
        identifier_value,
        min(component_key) as component_key
    from identifier_components
    group by identifier_type, identifier_value
    having count(*) = 1

),

final as (

    select
        assessed.identifier_type,
        assessed.identifier_value,
        assessed.link_status,
        customer_ids.customer_id
    from assessed
    left join components
        on assessed.node_key = components.node_key
    left join attached
        on assessed.identifier_type = attached.identifier_type
        and assessed.identifier_value = attached.identifier_value
    inner join customer_ids
        on coalesce(components.component_key, attached.component_key) = customer_ids.component_key

)

select * from final
