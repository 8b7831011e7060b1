{#- One row per identity-graph node with the customer id it holds after tonight's run, read
    against the ids of the previous run (this table's own last contents), so a customer keeps its
    id from night to night:

    - a component whose nodes held one id keeps it;
    - a merge (nodes of several old ids now in one component) keeps the oldest id (the one first
      given earliest; ties: the least id);
    - a split (one old id's nodes now in several components) leaves the id with the component
      holding most of its nodes (ties: the least component key); the others get new ids;
    - a new component gets a new id: 'C' + 15 hex of a hash of its component key, the day and
      the least old id its nodes held (if any), so an id freed by a split is never given again,
      even when a night is run twice.

    A node of the last run that is gone from the graph tonight (blocked, skipped, or its records
    gone) is kept once with no customer, so identity_changes can name it as what split a customer.
    The table is replaced whole every run (one scope key for all rows); a full refresh would
    forget every id, so it is refused (full_refresh: false). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='assignment_scope',
        full_refresh=false,
        on_schema_change='fail',
    )
}}

with

components as (

    select node_key, component_key from {{ ref('int_identity_components') }}

),

previous as (

    {% if is_incremental() %}
    select node_key, customer_id, customer_since
    from {{ this }}
    where customer_id is not null
    {% else %}
    select
        cast(null as varchar) as node_key,
        cast(null as varchar) as customer_id,
        cast(null as date) as customer_since
    where 1 = 0
    {% endif %}

),

old_ids_per_component as (

    select
        components.component_key,
        previous.customer_id,
        min(previous.customer_since) as customer_since,
        count(*) as node_count
    from components
    inner join previous
        on components.node_key = previous.node_key
    group by components.component_key, previous.customer_id

),

id_holders as (

    -- the component each old id stays with: the one holding most of its nodes
    select
        *,
        row_number() over (
            partition by customer_id order by node_count desc, component_key
        ) as holder_rank
    from old_ids_per_component

),

kept_ids as (

    -- the oldest id among those a component holds
    select component_key, customer_id, customer_since
    from (
        select
            component_key,
            customer_id,
            customer_since,
            row_number() over (
                partition by component_key order by customer_since, customer_id
            ) as age_rank
        from id_holders
        where holder_rank = 1
    ) as ranked
    where age_rank = 1

),

split_from as (

    -- the least old id a component's nodes held, part of a new id's hash: a part split off
    -- tonight must not get the id its customer was given if that was made from the same
    -- component key on the same day (a night run twice)
    select component_key, min(customer_id) as customer_id
    from old_ids_per_component
    group by component_key

),

component_ids as (

    select
        components.component_key,
        coalesce(
            kept_ids.customer_id,
            'C' || substr(
                {{ dbt.hash(
                    "components.component_key || '@' || cast(" ~ as_of_date() ~ " as varchar(10))"
                    ~ " || '@' || coalesce(split_from.customer_id, '')"
                ) }},
                1, 15
            )
        ) as customer_id,
        coalesce(kept_ids.customer_since, {{ as_of_date() }}) as customer_since
    from (select distinct component_key from components) as components
    left join kept_ids
        on components.component_key = kept_ids.component_key
    left join split_from
        on components.component_key = split_from.component_key

),

current_nodes as (

    select
        'all' as assignment_scope,
        components.node_key,
        components.component_key,
        component_ids.customer_id,
        component_ids.customer_since,
        previous.customer_id as previous_customer_id,
        {{ as_of_date() }} as assigned_on
    from components
    inner join component_ids
        on components.component_key = component_ids.component_key
    left join previous
        on components.node_key = previous.node_key

),

gone_nodes as (

    select
        'all' as assignment_scope,
        previous.node_key,
        cast(null as varchar) as component_key,
        cast(null as varchar) as customer_id,
        cast(null as date) as customer_since,
        previous.customer_id as previous_customer_id,
        {{ as_of_date() }} as assigned_on
    from previous
    left join components
        on previous.node_key = components.node_key
    where components.node_key is null

)

select * from current_nodes
union all
select * from gone_nodes
