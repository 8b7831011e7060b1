{#- One row per purchase: when it shipped and the day the buyer had it, from the best signal
    the sources carry, and which signal that was (received_signal):
    - confirmed_receipt: the buyer's confirmation (确认收货时间, TOP end_time, 抖店 finish time);
    - shipped_plus_median: no confirmation yet (or an export without it, as the 2023+ back
      office's), so the earliest ship time any source has (发货报表, TOP consign_time, the ERP's
      发货时间, the order export's) plus the shop's median days from shipping to confirmation,
      measured on its orders with both in the last year (var journey_default_delivery_days when
      fewer than var journey_min_measured_orders have both);
    - not_shipped: no source says it shipped. -#}
with

orders as (

    select order_id, customer_id, created_at, paid_at
    from {{ ref('fct_orders') }}
    where is_purchase

),

observations as (

    select order_id, source_system, shipped_at, confirmed_at
    from {{ ref('int_order_observations') }}

),

shipped as (

    select
        order_id,
        shipped_at,
        source_system as shipped_source,
        row_number() over (partition by order_id order by shipped_at, source_system) as ship_rank
    from observations
    where shipped_at is not null

),

confirmed as (

    select order_id, min(confirmed_at) as confirmed_at
    from observations
    where confirmed_at is not null
    group by order_id

),

signals as (

    select
        orders.order_id,
        orders.customer_id,
        orders.created_at,
        orders.paid_at,
        shipped.shipped_at,
        shipped.shipped_source,
        confirmed.confirmed_at
    from orders
    left join shipped
        on orders.order_id = shipped.order_id
        and shipped.ship_rank = 1
    left join confirmed
        on orders.order_id = confirmed.order_id

),

delivery_days as (

    select
        cast({{ dbt.datediff('shipped_at', 'confirmed_at', 'day') }} as integer) as days
    from signals
    where shipped_at is not null
        and confirmed_at >= shipped_at
        and cast(confirmed_at as date) <= {{ as_of_date() }}
        and cast(shipped_at as date) > {{ dbt.dateadd('day', -365, as_of_date()) }}

),

measured as (

    select
        count(*) as orders_measured,
        percentile_cont(0.5) within group (order by days) as median_days
    from delivery_days

),

median_used as (

    select
        orders_measured,
        cast(
            case
                when orders_measured >= {{ var('journey_min_measured_orders') }}
                    then round(median_days)
                else {{ var('journey_default_delivery_days') }}
            end as integer
        ) as median_delivery_days,
        orders_measured >= {{ var('journey_min_measured_orders') }} as is_median_measured
    from measured

),

final as (

    select
        signals.order_id,
        signals.customer_id,
        cast(coalesce(signals.paid_at, signals.created_at) as date) as paid_date,
        signals.shipped_at,
        signals.shipped_source,
        signals.confirmed_at,
        case
            when signals.confirmed_at is not null then cast(signals.confirmed_at as date)
            when signals.shipped_at is not null
                then cast({{ dbt.dateadd('day', 'median_used.median_delivery_days', 'cast(signals.shipped_at as date)') }} as date)
        end as received_date,
        case
            when signals.confirmed_at is not null then 'confirmed_receipt'
            when signals.shipped_at is not null then 'shipped_plus_median'
            else 'not_shipped'
        end as received_signal,
        median_used.median_delivery_days,
        median_used.is_median_measured,
        cast(median_used.orders_measured as integer) as delivery_orders_measured,
        {{ as_of_date() }} as as_of_date
    from signals
    cross join median_used

)

select * from final
