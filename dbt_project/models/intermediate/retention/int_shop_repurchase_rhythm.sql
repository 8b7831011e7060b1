{#- One row: the shop's own repurchase rhythm and the lifecycle thresholds that follow from it.

    The usual repurchase interval is the median days between a customer's consecutive purchase
    days, over every customer's repeat purchases up to the as-of day. A snack shop's customers
    come back in weeks, a furniture shop's in years; "silent" means past the shop's own usual
    interval, unless var lifecycle_silent_after_days fixes it. Churn is a fixed number of days
    (default 90) or, when var lifecycle_churn_interval_multiple is set, that many usual intervals. -#}
with

intervals as (

    select days_since_previous_purchase
    from {{ ref('int_purchase_days_sequenced') }}
    where days_since_previous_purchase is not null

),

rhythm as (

    select
        cast(
            percentile_cont(0.5) within group (order by days_since_previous_purchase)
            as decimal(18, 1)
        ) as median_repurchase_interval_days,
        cast(count(*) as integer) as repeat_purchase_count
    from intervals

),

final as (

    select
        median_repurchase_interval_days,
        repeat_purchase_count,
        cast(
            {%- if var('lifecycle_silent_after_days') is not none %}
            {{ var('lifecycle_silent_after_days') }}
            {%- else %}
            coalesce(median_repurchase_interval_days, {{ var('lifecycle_churn_after_days') }})
            {%- endif %}
            as decimal(18, 1)
        ) as silent_after_days,
        cast(
            {%- if var('lifecycle_churn_interval_multiple') is not none %}
            coalesce(
                median_repurchase_interval_days * {{ var('lifecycle_churn_interval_multiple') }},
                {{ var('lifecycle_churn_after_days') }}
            )
            {%- else %}
            {{ var('lifecycle_churn_after_days') }}
            {%- endif %}
            as decimal(18, 1)
        ) as churn_after_days
    from rhythm

)

select * from final
