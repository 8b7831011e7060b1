{#- One row per customer who entered or left an audience, per night: the audience's movement,
    night by night. Incremental by day: a rerun of a night replaces that night's rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        full_refresh=false,
        unique_key='as_of_date',
        on_schema_change='fail',
    )
}}

with

memberships as (

    select * from {{ ref('audience_memberships') }}

),

final as (

    -- a stay cannot begin and end on the same night (a rerun removes such a stay)
    select
        {{ as_of_date() }} as as_of_date,
        audience_name,
        customer_id,
        case when entered_date = {{ as_of_date() }} then 'entered' else 'exited' end
            as change_type,
        treatment_group
    from memberships
    where entered_date = {{ as_of_date() }} or exited_date = {{ as_of_date() }}

)

select * from final
