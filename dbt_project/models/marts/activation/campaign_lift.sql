{#- One row per audience and send wave, plus one per audience pooling every wave whose window
    is complete (wave_date null): treatment against holdout over var campaign_measurement_days
    days from the send. Conversion (share of members who bought) with Newcombe's hybrid score
    interval for the difference and Katz's log interval for the relative lift; purchases and net
    revenue per member with Welch's normal interval for the difference of means. All intervals
    95%, two-sided.

    The verdict, per measure: lift or negative when the interval lies above or below zero;
    no_clear_effect when it includes zero and the holdout was big enough to detect the smallest
    lift worth telling (var campaign_detectable_conversion_lift, campaign_detectable_revenue_lift;
    purchases go with conversion) with var campaign_power, the holdout members that takes being
    shown; too_small_to_tell when it includes zero and the holdout was smaller than that, or a
    group has fewer than var campaign_min_group_size members (the normal approximations need
    them). Too small to tell shows no lift number: an inconclusive interval from a small holdout
    reads as a result and is not one. An audience with no holdout says no_holdout. -#}
with

stats as (

    {{ campaign_group_stats(ref('campaign_member_outcomes')) }}

),

treatment as (

    select * from stats where treatment_group = 'treatment'

),

holdout as (

    select * from stats where treatment_group = 'holdout'

),

paired as (

    select
        treatment.audience_name,
        treatment.wave_date,
        treatment.is_pooled,
        least(treatment.days_observed, coalesce(holdout.days_observed, treatment.days_observed))
            as days_observed,
        treatment.member_count as treatment_count,
        coalesce(holdout.member_count, 0) as holdout_count,
        treatment.buyer_count as treatment_buyer_count,
        coalesce(holdout.buyer_count, 0) as holdout_buyer_count,
        treatment.purchases_per_member as treatment_purchases_per_member,
        holdout.purchases_per_member as holdout_purchases_per_member,
        treatment.purchases_variance as treatment_purchases_variance,
        holdout.purchases_variance as holdout_purchases_variance,
        treatment.net_revenue_per_member as treatment_net_revenue_per_member,
        holdout.net_revenue_per_member as holdout_net_revenue_per_member,
        treatment.net_revenue_variance as treatment_net_revenue_variance,
        holdout.net_revenue_variance as holdout_net_revenue_variance,
        -- the conversion rate both groups share, for the sample size
        (treatment.buyer_count + coalesce(holdout.buyer_count, 0)) * 1.0
            / (treatment.member_count + coalesce(holdout.member_count, 0)) as pooled_conversion_rate,
        (treatment.net_revenue_variance * (treatment.member_count - 1)
            + coalesce(holdout.net_revenue_variance * (holdout.member_count - 1), 0))
            / greatest(treatment.member_count + coalesce(holdout.member_count, 0) - 2, 1)
            as pooled_net_revenue_variance
    from treatment
    left join holdout
        on treatment.audience_name = holdout.audience_name
        and treatment.is_pooled = holdout.is_pooled
        and (treatment.wave_date = holdout.wave_date
            or (treatment.wave_date is null and holdout.wave_date is null))

),

sized as (

    select
        *,
        case when holdout_count > 0 then
            {{ required_holdout_count_for_rate(
                'pooled_conversion_rate',
                'treatment_count * 1.0 / holdout_count',
                var('campaign_detectable_conversion_lift')) }}
        end as required_holdout_count_conversion,
        -- nobody bought anything: no spread to plan with, and nothing to tell
        case when holdout_count > 0 and pooled_net_revenue_variance > 0 then
            {{ required_holdout_count(
                'pooled_net_revenue_variance',
                'pooled_net_revenue_variance',
                'treatment_count * 1.0 / holdout_count',
                var('campaign_detectable_revenue_lift')) }}
        end as required_holdout_count_revenue
    from paired

),

bounds as (

    -- the intervals, wherever both groups are big enough for the approximations
    select
        *,
        holdout_count >= {{ var('campaign_min_group_size') }}
            and treatment_count >= {{ var('campaign_min_group_size') }} as is_measurable,
        {{ newcombe_bound('treatment_buyer_count', 'treatment_count', 'holdout_buyer_count', 'holdout_count', 'lower') }}
            as conversion_lower,
        {{ newcombe_bound('treatment_buyer_count', 'treatment_count', 'holdout_buyer_count', 'holdout_count', 'upper') }}
            as conversion_upper,
        {{ z_two_sided_95() }} * sqrt(treatment_purchases_variance / treatment_count
            + holdout_purchases_variance / holdout_count) as purchases_half_width,
        {{ z_two_sided_95() }} * sqrt(treatment_net_revenue_variance / treatment_count
            + holdout_net_revenue_variance / holdout_count) as revenue_half_width
    from sized
    where holdout_count > 0

    union all

    select
        *,
        false as is_measurable,
        null as conversion_lower,
        null as conversion_upper,
        null as purchases_half_width,
        null as revenue_half_width
    from sized
    where holdout_count = 0

),

judged as (

    select
        *,
        {{ lift_verdict(
            'conversion_lower', 'conversion_upper',
            'holdout_count >= required_holdout_count_conversion') }} as conversion_verdict,
        {{ lift_verdict(
            'treatment_purchases_per_member - holdout_purchases_per_member - purchases_half_width',
            'treatment_purchases_per_member - holdout_purchases_per_member + purchases_half_width',
            'holdout_count >= required_holdout_count_conversion') }} as purchases_verdict,
        {{ lift_verdict(
            'treatment_net_revenue_per_member - holdout_net_revenue_per_member - revenue_half_width',
            'treatment_net_revenue_per_member - holdout_net_revenue_per_member + revenue_half_width',
            'coalesce(holdout_count >= required_holdout_count_revenue, false)') }} as revenue_verdict
    from bounds

),

final as (

    select
        audience_name,
        wave_date,
        is_pooled,
        cast(days_observed as integer) as days_observed,
        days_observed = {{ var('campaign_measurement_days') }} as is_window_complete,
        cast(treatment_count as integer) as treatment_count,
        cast(holdout_count as integer) as holdout_count,
        cast(treatment_buyer_count as integer) as treatment_buyer_count,
        cast(holdout_buyer_count as integer) as holdout_buyer_count,
        cast(treatment_buyer_count * 1.0 / treatment_count as decimal(18, 6)) as treatment_conversion_rate,
        cast(case when holdout_count > 0 then holdout_buyer_count * 1.0 / holdout_count end
            as decimal(18, 6)) as holdout_conversion_rate,
        -- conversion: absolute lift (share of members) and relative lift, with intervals
        {%- set told = "conversion_verdict in ('lift', 'negative', 'no_clear_effect')" %}
        cast(case when {{ told }} then
            treatment_buyer_count * 1.0 / treatment_count - holdout_buyer_count * 1.0 / holdout_count
        end as decimal(18, 6)) as conversion_lift,
        cast(case when {{ told }} then conversion_lower end as decimal(18, 6)) as conversion_lift_lower,
        cast(case when {{ told }} then conversion_upper end as decimal(18, 6)) as conversion_lift_upper,
        cast(case when {{ told }} and holdout_buyer_count > 0 then
            (treatment_buyer_count * 1.0 / treatment_count) / (holdout_buyer_count * 1.0 / holdout_count) - 1
        end as decimal(18, 6)) as relative_conversion_lift,
        cast(case when {{ told }} then
            {{ katz_relative_bound('treatment_buyer_count', 'treatment_count', 'holdout_buyer_count', 'holdout_count', 'lower') }}
        end as decimal(18, 6)) as relative_conversion_lift_lower,
        cast(case when {{ told }} then
            {{ katz_relative_bound('treatment_buyer_count', 'treatment_count', 'holdout_buyer_count', 'holdout_count', 'upper') }}
        end as decimal(18, 6)) as relative_conversion_lift_upper,
        -- purchases per member
        {%- set told = "purchases_verdict in ('lift', 'negative', 'no_clear_effect')" %}
        cast(treatment_purchases_per_member as decimal(18, 6)) as treatment_purchases_per_member,
        cast(holdout_purchases_per_member as decimal(18, 6)) as holdout_purchases_per_member,
        cast(case when {{ told }} then
            treatment_purchases_per_member - holdout_purchases_per_member
        end as decimal(18, 6)) as purchases_per_member_lift,
        cast(case when {{ told }} then
            treatment_purchases_per_member - holdout_purchases_per_member - purchases_half_width
        end as decimal(18, 6)) as purchases_per_member_lift_lower,
        cast(case when {{ told }} then
            treatment_purchases_per_member - holdout_purchases_per_member + purchases_half_width
        end as decimal(18, 6)) as purchases_per_member_lift_upper,
        -- net revenue per member (CNY, after refunds)
        {%- set told = "revenue_verdict in ('lift', 'negative', 'no_clear_effect')" %}
        cast(treatment_net_revenue_per_member as decimal(18, 4)) as treatment_net_revenue_per_member,
        cast(holdout_net_revenue_per_member as decimal(18, 4)) as holdout_net_revenue_per_member,
        cast(case when {{ told }} then
            treatment_net_revenue_per_member - holdout_net_revenue_per_member
        end as decimal(18, 4)) as net_revenue_per_member_lift,
        cast(case when {{ told }} then
            treatment_net_revenue_per_member - holdout_net_revenue_per_member - revenue_half_width
        end as decimal(18, 4)) as net_revenue_per_member_lift_lower,
        cast(case when {{ told }} then
            treatment_net_revenue_per_member - holdout_net_revenue_per_member + revenue_half_width
        end as decimal(18, 4)) as net_revenue_per_member_lift_upper,
        -- how many holdout members it takes, and what can be told
        cast(required_holdout_count_conversion as integer) as required_holdout_count_conversion,
        cast(required_holdout_count_revenue as integer) as required_holdout_count_revenue,
        conversion_verdict,
        purchases_verdict,
        revenue_verdict,
        {{ as_of_date() }} as as_of_date
    from judged

)

select * from final
