{#- One row per customer and day they bought: the purchase occasions that repurchase metrics and
    the BG/NBD and Gamma-Gamma models count (several orders on one day are one occasion). -#}
with

purchase_days as (

    select * from {{ ref('int_purchase_days_sequenced') }}

),

final as (

    select
        customer_id,
        purchase_date,
        purchase_day_number,
        order_count,
        net_revenue_amount,
        days_since_previous_purchase,
        {{ as_of_date() }} as as_of_date
    from purchase_days

)

select * from final
