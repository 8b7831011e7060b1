{#- One row per customer and month end (the last var segment_history_months months) at which they
    had bought: their RFM group, RFM segment and lifecycle stage as they stood that day,
    recomputed from the orders, so segment migration shows from the first night rather than
    building up over a year of nightly snapshots.

    The definitions are customer_rfm's and customer_lifecycle's: high/low against the cut-point
    vars, else recency against the days a customer turns silent (var rfm_recency_method rhythm)
    and the rest against that month end's population means; silent and churned against today's
    thresholds (int_shop_repurchase_rhythm). -#}
with

purchase_days as (

    select * from {{ ref('int_purchase_days_sequenced') }}

),

rhythm as (

    select * from {{ ref('int_shop_repurchase_rhythm') }}

),

rfm_groups as (

    select * from {{ ref('rfm_groups') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

month_ends as (

    {{ month_ends(var('segment_history_months')) }}

),

as_of_month_end as (

    select
        month_ends.month_start_date,
        month_ends.month_end_date,
        purchase_days.customer_id,
        cast(sum(purchase_days.order_count) as integer) as frequency,
        cast(count(*) as integer) as purchase_day_count,
        cast(sum(purchase_days.net_revenue_amount) as decimal(18, 2)) as monetary_amount,
        min(purchase_days.purchase_date) as first_purchase_date,
        max(purchase_days.purchase_date) as last_purchase_date
    from month_ends
    inner join purchase_days
        on purchase_days.purchase_date <= month_ends.month_end_date
    group by month_ends.month_start_date, month_ends.month_end_date, purchase_days.customer_id

),

measured as (

    select
        *,
        cast({{ dbt.datediff('last_purchase_date', 'month_end_date', 'day') }} as integer)
            as recency_days,
        cast({{ dbt.datediff('first_purchase_date', 'month_end_date', 'day') }} as integer)
            as tenure_days
    from as_of_month_end

),

cut_points as (

    select
        measured.month_end_date,
        {{ recency_high_cut('avg(measured.recency_days)') }} as recency_cut_days,
        {{ var('rfm_high_frequency_min_orders') if var('rfm_high_frequency_min_orders') is not none
           else 'avg(frequency)' }} as frequency_cut,
        {{ var('rfm_high_monetary_min_amount') if var('rfm_high_monetary_min_amount') is not none
           else 'avg(monetary_amount)' }} as monetary_cut_amount
    from measured
    cross join rhythm
    group by measured.month_end_date, rhythm.silent_after_days, rhythm.churn_after_days

),

scored as (

    select
        measured.customer_id,
        measured.month_end_date,
        {{ rfm_scores(
            'measured.recency_days', 'measured.frequency', 'measured.monetary_amount',
            partition_by='measured.month_end_date') }}
    from measured
    cross join rhythm

),

segmented as (

    select
        scored.customer_id,
        scored.month_end_date,
        rfm_segments.rfm_segment_en,
        rfm_segments.rfm_segment_cn
    from scored
    inner join rfm_segments
        on scored.r_score = rfm_segments.r_score
        and {{ fm_score('scored.f_score', 'scored.m_score') }} = rfm_segments.fm_score

),

final as (

    select
        measured.customer_id,
        measured.month_start_date,
        measured.month_end_date,
        rfm_groups.rfm_group_code,
        rfm_groups.rfm_group_cn,
        rfm_groups.rfm_group_en,
        segmented.rfm_segment_en,
        segmented.rfm_segment_cn,
        case
            when measured.recency_days > rhythm.churn_after_days then 'churned'
            when measured.recency_days > rhythm.silent_after_days then 'silent'
            when measured.purchase_day_count <= {{ var('lifecycle_new_max_purchases') }} then 'new'
            when measured.purchase_day_count >= {{ var('lifecycle_loyal_min_purchases') }}
                and measured.tenure_days >= {{ var('lifecycle_loyal_min_tenure_days') }}
                then 'loyal'
            else 'active'
        end as lifecycle_stage
    from measured
    inner join cut_points
        on measured.month_end_date = cut_points.month_end_date
    inner join segmented
        on measured.customer_id = segmented.customer_id
        and measured.month_end_date = segmented.month_end_date
    cross join rhythm
    inner join rfm_groups
        on (measured.recency_days <= cut_points.recency_cut_days) = rfm_groups.is_recency_high
        and (measured.frequency >= cut_points.frequency_cut) = rfm_groups.is_frequency_high
        and (measured.monetary_amount >= cut_points.monetary_cut_amount)
            = rfm_groups.is_monetary_high

)

select * from final
