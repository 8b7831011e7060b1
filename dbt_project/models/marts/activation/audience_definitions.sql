{#- One row per audience of var audiences (dbt_project.yml), as checked by the audience_rules
    macro: what BI and the outbox need to know of each. -#}
with

definitions as (

    {{ audience_definitions() }}

),

final as (

    select
        *,
        {{ as_of_date() }} as as_of_date
    from definitions

)

select * from final
