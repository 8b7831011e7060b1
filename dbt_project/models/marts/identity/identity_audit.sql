{#- How identity resolution went tonight, in one long table for a dashboard:

    - `component_size`: customers by how many linking identifiers they hold (1, 2, …, 6-10,
      11-20, 21+); a long tail of big ones means something glues people together;
    - `largest_component`: the 20 biggest customers, with their identifier types;
    - `link_status`: identifiers per type and status (links, never_links, blocked,
      skipped_group_size, skipped_concurrent) and the records they were seen on;
    - `rounds`: how many rounds the connected components took. -#}
with

assessed as {{ not_materialized() }} (

    select * from {{ ref('int_identifiers_assessed') }}

),

components as {{ not_materialized() }} (

    select * from {{ ref('int_identity_components') }}

),

customer_ids as (

    select distinct component_key, customer_id
    from {{ ref('int_customer_id_assignments') }}
    where component_key is not null

),

sizes as (

    select component_key, count(*) as identifier_count
    from components
    group by component_key

),

size_buckets as (

    select
        case
            when identifier_count <= 5 then cast(identifier_count as varchar(8))
            when identifier_count <= 10 then '6-10'
            when identifier_count <= 20 then '11-20'
            else '21+'
        end as size_bucket,
        case
            when identifier_count <= 5 then identifier_count
            when identifier_count <= 10 then 6
            when identifier_count <= 20 then 11
            else 21
        end as bucket_order
    from sizes

),

largest as (

    select
        component_key,
        identifier_count,
        row_number() over (order by identifier_count desc, component_key) as size_rank
    from sizes

),

largest_types as (

    select
        largest.component_key,
        {{ dbt.listagg('type_counts.identifier_type', "', '", 'order by type_counts.identifier_type') }}
            as identifier_types
    from largest
    inner join (
        select
            components.component_key,
            assessed.identifier_type
        from components
        inner join assessed
            on components.node_key = assessed.node_key
        group by components.component_key, assessed.identifier_type
    ) as type_counts
        on largest.component_key = type_counts.component_key
    where largest.size_rank <= 20
    group by largest.component_key

),

final as (

    select
        'component_size' as section,
        size_bucket as label,
        cast(null as varchar(64)) as identifier_type,
        cast(count(*) as bigint) as item_count,
        cast(null as bigint) as record_count,
        cast(null as varchar(1000)) as detail,
        min(bucket_order) as sort_order
    from size_buckets
    group by size_bucket

    union all

    select
        'largest_component',
        customer_ids.customer_id,
        null,
        cast(largest.identifier_count as bigint),
        null,
        largest_types.identifier_types,
        largest.size_rank
    from largest
    inner join largest_types
        on largest.component_key = largest_types.component_key
    inner join customer_ids
        on largest.component_key = customer_ids.component_key

    union all

    select
        'link_status',
        link_status,
        identifier_type,
        cast(count(*) as bigint),
        cast(sum(record_count) as bigint),
        null,
        0
    from assessed
    group by link_status, identifier_type

    union all

    select 'rounds', 'connected_components', null, cast(max(rounds) as bigint), null, null, 0
    from components

)

select section, label, identifier_type, item_count, record_count, detail, sort_order
from final
