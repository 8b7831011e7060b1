{#- One row per customer id that changed in a run (身份变更): the history of merges and splits, so
    a BI tool or an export keyed on yesterday's ids can follow them.

    - `merge`: customers of several old ids are one tonight; the oldest id is kept. The cause is
      the least identifier of the merged customer that is new tonight (it brought the records
      that join them), else the least one that held another of the old ids.
    - `split`: an old id's identifiers are in several customers tonight; the part holding most
      of them keeps the id, each other part is a row with its new id. The cause is the least of
      the old customer's identifiers that left the graph tonight (blocked, skipped, or its
      records gone), when one did.

    Appended run by run; a run that changes nothing adds nothing. A full refresh would lose the
    history, so it is refused (full_refresh: false). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='fail',
    )
}}

with

assignments as {{ not_materialized() }} (

    select * from {{ ref('int_customer_id_assignments') }}

),

moved as (

    select distinct previous_customer_id, customer_id
    from assignments
    where previous_customer_id is not null and customer_id is not null

),

merged as (

    select customer_id
    from moved
    group by customer_id
    having count(*) > 1

),

merge_old_ids as (

    select
        moved.customer_id,
        {{ dbt.listagg('moved.previous_customer_id', "','", 'order by moved.previous_customer_id') }}
            as old_customer_ids
    from moved
    inner join merged
        on moved.customer_id = merged.customer_id
    group by moved.customer_id

),

merge_causes as (

    select
        assignments.customer_id,
        coalesce(
            min(case when assignments.previous_customer_id is null then assignments.node_key end),
            min(
                case when assignments.previous_customer_id <> assignments.customer_id
                    then assignments.node_key end
            )
        ) as caused_by
    from assignments
    inner join merged
        on assignments.customer_id = merged.customer_id
    group by assignments.customer_id

),

split_ids as (

    select previous_customer_id
    from moved
    group by previous_customer_id
    having count(*) > 1

),

split_causes as (

    select assignments.previous_customer_id, min(assignments.node_key) as caused_by
    from assignments
    inner join split_ids
        on assignments.previous_customer_id = split_ids.previous_customer_id
    where assignments.customer_id is null
    group by assignments.previous_customer_id

),

final as (

    select
        {{ as_of_date() }} as run_date,
        'merge' as change_type,
        merge_old_ids.old_customer_ids,
        merge_old_ids.customer_id as new_customer_id,
        merge_causes.caused_by as caused_by_identifier
    from merge_old_ids
    inner join merge_causes
        on merge_old_ids.customer_id = merge_causes.customer_id

    union all

    select
        {{ as_of_date() }},
        'split',
        moved.previous_customer_id,
        moved.customer_id,
        split_causes.caused_by
    from moved
    inner join split_ids
        on moved.previous_customer_id = split_ids.previous_customer_id
    left join split_causes
        on moved.previous_customer_id = split_causes.previous_customer_id
    where moved.customer_id <> moved.previous_customer_id

)

-- text casts: PostgreSQL checks an appended run's column types against the table's (text)
select
    run_date,
    cast(change_type as text) as change_type,
    cast(old_customer_ids as text) as old_customer_ids,
    cast(new_customer_id as text) as new_customer_id,
    cast(caused_by_identifier as text) as caused_by_identifier
from final
