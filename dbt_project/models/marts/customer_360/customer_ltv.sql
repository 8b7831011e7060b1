{#- One row per customer with at least one purchase: lifetime value, historical and simple.

    historical_ltv_amount = net revenue of all purchases so far (paid minus refunded, CNY).
    simple_clv_amount = AOV x purchases per year x expected lifespan in years, the textbook
    formula shops quote: AOV = historical LTV / purchases; purchases per year = purchases over
    the customer's tenure (first purchase day to the as-of day, at least ltv_min_tenure_days);
    expected lifespan = ltv_expected_lifespan_years. Model-based CLV comes from the predictions
    assets, not from here. -#}
with

customers as (

    select * from {{ ref('int_customer_orders_aggregated') }}
    where purchase_count > 0

),

measured as (

    select
        customer_id,
        purchase_count,
        cast(purchase_net_revenue_amount as decimal(18, 2)) as historical_ltv_amount,
        cast(purchase_net_revenue_amount / purchase_count as decimal(18, 2)) as aov_amount,
        cast({{ dbt.datediff('first_purchase_date', as_of_date(), 'day') }} + 1 as integer) as tenure_days
    from customers

),

final as (

    select
        customer_id,
        {{ as_of_date() }} as as_of_date,
        purchase_count,
        historical_ltv_amount,
        aov_amount,
        tenure_days,
        cast(
            purchase_count * 365.0
                / greatest(tenure_days, {{ var('ltv_min_tenure_days') }})
            as decimal(18, 4)
        ) as purchases_per_year,
        cast({{ var('ltv_expected_lifespan_years') }} as decimal(18, 2)) as expected_lifespan_years,
        cast(
            aov_amount
                * purchase_count * 365.0 / greatest(tenure_days, {{ var('ltv_min_tenure_days') }})
                * {{ var('ltv_expected_lifespan_years') }}
            as decimal(18, 2)
        ) as simple_clv_amount
    from measured

)

select * from final
