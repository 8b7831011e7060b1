{#- One row per month, segment type (rfm_group, rfm_segment, lifecycle_stage), segment at the end
    of the previous month and segment at the end of this month: how many customers moved that
    way, and what share of the from-segment that is. The view operators read to see whether win-back works:
    of last month's 重要挽留客户, how many are 重要价值客户 now. A customer whose first purchase
    falls in the month comes from '(first purchase)'. History: int_customer_segments_monthly. -#}
with

segments as {{ not_materialized() }} (

    select * from {{ ref('int_customer_segments_monthly') }}

),

long as (

    select customer_id, month_start_date, 'rfm_group' as segment_type, rfm_group_cn as segment
    from segments
    union all
    select customer_id, month_start_date, 'lifecycle_stage', lifecycle_stage
    from segments
    union all
    select customer_id, month_start_date, 'rfm_segment', rfm_segment_cn
    from segments

),

months as (

    select
        month_start_date,
        lag(month_start_date) over (order by month_start_date) as previous_month_start_date
    from (select distinct month_start_date from segments) as distinct_months

),

moves as (

    select
        current_month.month_start_date,
        current_month.segment_type,
        coalesce(previous_month.segment, '(first purchase)') as from_segment,
        current_month.segment as to_segment
    from long as current_month
    inner join months
        on current_month.month_start_date = months.month_start_date
    left join long as previous_month
        on previous_month.customer_id = current_month.customer_id
        and previous_month.segment_type = current_month.segment_type
        and previous_month.month_start_date = months.previous_month_start_date
    where months.previous_month_start_date is not null

),

counted as (

    select
        month_start_date,
        segment_type,
        from_segment,
        to_segment,
        cast(count(*) as integer) as customer_count
    from moves
    group by month_start_date, segment_type, from_segment, to_segment

),

final as (

    select
        month_start_date,
        segment_type,
        from_segment,
        to_segment,
        customer_count,
        cast(
            1.0 * customer_count / sum(customer_count) over (
                partition by month_start_date, segment_type, from_segment
            ) as decimal(9, 4)
        ) as from_segment_share,
        from_segment = to_segment as is_unchanged
    from counted

)

select * from final
