{#- One row per audience and customer who is in it tonight or was before, with the day they
    entered (their current stay), the day they left (null while in), and their group: holdout
    members are recorded like treated ones and never sent anything. Tonight's members are the
    audiences of var audiences, compiled by the audience_rules macro over
    customer_audience_facts.

    Incremental: each run rewrites every audience's rows from tonight's candidates and the
    table's own last contents. Rerunning a night gives the same rows: a row entered or exited
    tonight is read as it stood before tonight. A customer who entered tonight and no longer
    qualifies on a rerun is removed (a stay that never was). Rows of audiences no longer
    defined are dropped; ids merged away into another customer leave with them. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        full_refresh=false,
        unique_key='audience_name',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} where audience_name not in"
            " (select audience_name from {{ ref('audience_definitions') }})"
            " or customer_id not in (select customer_id from {{ ref('dim_customers') }})"
        ],
    )
}}

with

candidates as (

    -- tonight: one row per audience and customer who meets its rule, with the holdout test
    {{ audience_rules(ref('customer_audience_facts'), ref('customer_tags')) }}

),

previous as (

    {% if is_incremental() %}
    select
        audience_name,
        customer_id,
        entered_date,
        exited_date,
        treatment_group,
        -- as it stood before tonight: a stay that began tonight did not exist, one that ended
        -- tonight was still going
        case
            when entered_date >= {{ as_of_date() }} then false
            when exited_date >= {{ as_of_date() }} then true
            else exited_date is null
        end as was_current,
        entered_date >= {{ as_of_date() }} as began_tonight
    from {{ this }}
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as audience_name,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as date) as entered_date,
        cast(null as date) as exited_date,
        cast(null as {{ dbt.type_string() }}) as treatment_group,
        false as was_current,
        false as began_tonight
    where false
    {% endif %}

),

joined as (

    select
        coalesce(candidates.audience_name, previous.audience_name) as audience_name,
        coalesce(candidates.customer_id, previous.customer_id) as customer_id,
        candidates.customer_id is not null as is_candidate,
        candidates.in_holdout,
        previous.entered_date,
        previous.exited_date,
        previous.treatment_group as previous_treatment_group,
        coalesce(previous.was_current, false) as was_current,
        coalesce(previous.began_tonight, false) as began_tonight
    from candidates
    full outer join previous
        on candidates.audience_name = previous.audience_name
        and candidates.customer_id = previous.customer_id

),

final as (

    select
        audience_name,
        customer_id,
        case
            when is_candidate and was_current then entered_date
            when is_candidate then {{ as_of_date() }}
            else entered_date
        end as entered_date,
        case
            when is_candidate then cast(null as date)
            when was_current then {{ as_of_date() }}
            else exited_date
        end as exited_date,
        is_candidate as is_current,
        case
            when is_candidate and in_holdout then 'holdout'
            when is_candidate then 'treatment'
            else previous_treatment_group
        end as treatment_group,
        {{ as_of_date() }} as as_of_date
    from joined
    -- a stay that began on an earlier run tonight and no longer holds never was
    where is_candidate or not began_tonight

)

select * from final
