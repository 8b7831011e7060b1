{#- One row per customer who entered or left an audience, per night: the audience's movement,
    night by night. Incremental by day: a rerun of a night replaces that night's rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        on_schema_change='fail',
    )
}}

with

memberships as (

    select * from {{ ref('audience_memberships') }}

),

entered as (

    select
        audience_name,
        customer_id,
        'entered' as change_type,
        treatment_group
    from memberships
    where entered_date = {{ as_of_date() }}

),

exited as (

    select
        audience_name,
        customer_id,
        'exited' as change_type,
        treatment_group
    from memberships
    where exited_date = {{ as_of_date() }}

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        audience_name,
        customer_id,
        change_type,
        treatment_group
    from entered

    union all

    select
        {{ as_of_date() }} as as_of_date,
        audience_name,
        customer_id,
        change_type,
        treatment_group
    from exited

)

select * from final
