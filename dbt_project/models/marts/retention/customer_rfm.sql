{#- One row per customer with at least one purchase: recency, frequency and monetary value as of
    the as-of day, their 1-5 scores, the classic 8 groups and the 11 named segments.

    R = days from the last purchase day to the as-of day; F = purchase orders; M = net revenue of
    purchases (paid minus refunded, CNY). R is scored against the shop's rhythm by default (var
    rfm_recency_method, macro rhythm_recency_score: R 3 = silent, R 1-2 = churned), so it falls
    as a customer stays away; F and M are tie-aware quintiles or fixed cut points (var
    rfm_score_method). High/low for the 8 groups compares each value with a cut point set in
    dbt_project.yml, else recency with the days a customer turns silent and F and M with the
    population mean. The 11 segments read the R score and the FM score (mean of F and M, halves
    up) off the rfm_segments grid. -#}
with

customers as (

    select * from {{ ref('int_customer_orders_aggregated') }}
    where purchase_count > 0

),

rfm_groups as (

    select * from {{ ref('rfm_groups') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

rhythm as (

    select * from {{ ref('int_shop_repurchase_rhythm') }}

),

rfm_values as (

    select
        customer_id,
        cast({{ dbt.datediff('last_purchase_date', as_of_date(), 'day') }} as integer) as recency_days,
        cast(purchase_count as integer) as frequency,
        cast(purchase_net_revenue_amount as decimal(18, 2)) as monetary_amount
    from customers

),

population_means as (

    select
        cast(avg(recency_days) as decimal(18, 4)) as mean_recency_days,
        cast(avg(frequency) as decimal(18, 4)) as mean_frequency,
        cast(avg(monetary_amount) as decimal(18, 4)) as mean_monetary_amount
    from rfm_values

),

cut_points as (

    select
        {{ recency_high_cut('population_means.mean_recency_days') }} as recency_cut_days,
        {{ var('rfm_high_frequency_min_orders') if var('rfm_high_frequency_min_orders') is not none
           else 'mean_frequency' }} as frequency_cut,
        {{ var('rfm_high_monetary_min_amount') if var('rfm_high_monetary_min_amount') is not none
           else 'mean_monetary_amount' }} as monetary_cut_amount
    from population_means
    cross join rhythm

),

scored as (

    select
        rfm_values.*,
        {{ rfm_scores('rfm_values.recency_days', 'rfm_values.frequency', 'rfm_values.monetary_amount') }},
        rfm_values.recency_days <= cut_points.recency_cut_days as is_recency_high,
        rfm_values.frequency >= cut_points.frequency_cut as is_frequency_high,
        rfm_values.monetary_amount >= cut_points.monetary_cut_amount as is_monetary_high
    from rfm_values
    cross join cut_points
    cross join rhythm

),

with_fm as (

    select
        scored.*,
        {{ fm_score('scored.f_score', 'scored.m_score') }} as fm_score
    from scored

),

final as (

    select
        scored.customer_id,
        {{ as_of_date() }} as as_of_date,
        scored.recency_days,
        scored.frequency,
        scored.monetary_amount,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        cast(scored.r_score as {{ dbt.type_string() }})
            || cast(scored.f_score as {{ dbt.type_string() }})
            || cast(scored.m_score as {{ dbt.type_string() }}) as rfm_cell,
        scored.is_recency_high,
        scored.is_frequency_high,
        scored.is_monetary_high,
        rfm_groups.rfm_group_code,
        rfm_groups.rfm_group_cn,
        rfm_groups.rfm_group_en,
        scored.fm_score,
        rfm_segments.rfm_segment_en,
        rfm_segments.rfm_segment_cn
    from with_fm as scored
    inner join rfm_segments
        on scored.r_score = rfm_segments.r_score
        and scored.fm_score = rfm_segments.fm_score
    inner join rfm_groups
        on scored.is_recency_high = rfm_groups.is_recency_high
        and scored.is_frequency_high = rfm_groups.is_frequency_high
        and scored.is_monetary_high = rfm_groups.is_monetary_high

)

select * from final
