{#- One row per audience and send wave, plus one per audience pooling every wave whose window
    is complete (wave_date null): what the campaign earned against what it cost.

    Incremental gross margin = (treatment's margin per member before our coupons − holdout's
    margin per member) × treatment members, with Welch's 95% interval. Margin is net revenue
    after refunds minus cost of goods (成本价; estimated where a product has none, see
    int_orders_costed and margin_estimated_share). Before our coupons: the coupon cost is added
    back to treatment's margin and counted once, as its own line, so it is neither lost nor
    counted twice. Cost = coupons redeemed (order_attributions) + sending (var
    channel_cost_per_message per channel an action went out on). Net = incremental margin −
    cost; ROI = net / cost (null when nothing cost anything). Too small to tell, and no numbers
    beyond the costs, when campaign_lift cannot tell the revenue lift. -#}
with

stats as (

    {{ campaign_group_stats(ref('campaign_member_outcomes')) }}

),

estimated as (

    -- the share of measured members' margin that rests on an estimated cost
    select
        members.audience_name,
        sum(case when attributions.is_cost_estimated then attributions.net_revenue_amount else 0 end)
            / nullif(sum(attributions.net_revenue_amount), 0) as margin_estimated_share
    from {{ ref('campaign_member_outcomes') }} as members
    inner join {{ ref('order_attributions') }} as attributions
        on members.send_key = attributions.send_key
    group by members.audience_name

),

lift as (

    select * from {{ ref('campaign_lift') }}

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
        treatment.member_count as treatment_count,
        coalesce(holdout.member_count, 0) as holdout_count,
        treatment.message_count,
        treatment.sending_cost_amount,
        treatment.coupon_redeemed_count,
        treatment.coupon_cost_amount,
        treatment.credited_order_count,
        treatment.credited_net_revenue_amount,
        treatment.margin_per_member as treatment_margin_per_member,
        holdout.margin_per_member as holdout_margin_per_member,
        (treatment.margin_per_member - holdout.margin_per_member) * treatment.member_count
            as incremental_margin,
        {{ z_two_sided_95() }} * treatment.member_count * sqrt(
            treatment.margin_variance / treatment.member_count
            + holdout.margin_variance / nullif(holdout.member_count, 0)) as incremental_margin_half_width,
        treatment.coupon_cost_amount + treatment.sending_cost_amount as cost_amount
    from treatment
    left join holdout
        on treatment.audience_name = holdout.audience_name
        and treatment.is_pooled = holdout.is_pooled
        and (treatment.wave_date = holdout.wave_date
            or (treatment.wave_date is null and holdout.wave_date is null))

),

final as (

    select
        paired.audience_name,
        paired.wave_date,
        paired.is_pooled,
        cast(paired.treatment_count as integer) as treatment_count,
        cast(paired.holdout_count as integer) as holdout_count,
        -- what it cost
        cast(paired.message_count as integer) as message_count,
        cast(paired.sending_cost_amount as decimal(18, 2)) as sending_cost_amount,
        cast(paired.coupon_redeemed_count as integer) as coupon_redeemed_count,
        cast(paired.coupon_cost_amount as decimal(18, 2)) as coupon_cost_amount,
        cast(paired.cost_amount as decimal(18, 2)) as cost_amount,
        -- last-touch credit, for comparison (not proof of effect)
        cast(paired.credited_order_count as integer) as credited_order_count,
        cast(paired.credited_net_revenue_amount as decimal(18, 2)) as credited_net_revenue_amount,
        -- what it earned: against the holdout
        cast(case when can_tell then paired.incremental_margin end as decimal(18, 2))
            as incremental_gross_margin_amount,
        cast(case when can_tell then paired.incremental_margin - paired.incremental_margin_half_width end
            as decimal(18, 2)) as incremental_gross_margin_lower,
        cast(case when can_tell then paired.incremental_margin + paired.incremental_margin_half_width end
            as decimal(18, 2)) as incremental_gross_margin_upper,
        cast(case when can_tell then paired.incremental_margin - paired.cost_amount end
            as decimal(18, 2)) as net_return_amount,
        cast(case when can_tell and paired.cost_amount > 0
            then (paired.incremental_margin - paired.cost_amount) / paired.cost_amount end
            as decimal(18, 4)) as roi,
        cast(case when can_tell and paired.cost_amount > 0
            then (paired.incremental_margin - paired.incremental_margin_half_width - paired.cost_amount)
                / paired.cost_amount end
            as decimal(18, 4)) as roi_lower,
        cast(case when can_tell and paired.cost_amount > 0
            then (paired.incremental_margin + paired.incremental_margin_half_width - paired.cost_amount)
                / paired.cost_amount end
            as decimal(18, 4)) as roi_upper,
        cast(coalesce(estimated.margin_estimated_share, 0) as decimal(18, 4)) as margin_estimated_share,
        case
            when paired.holdout_count = 0 then 'no_holdout'
            when not can_tell then 'too_small_to_tell'
            when paired.incremental_margin - paired.incremental_margin_half_width > paired.cost_amount
                then 'profitable'
            when paired.incremental_margin + paired.incremental_margin_half_width < paired.cost_amount
                then 'loss'
            else 'unclear'
        end as roi_verdict,
        {{ as_of_date() }} as as_of_date
    from (
        select
            paired.*,
            coalesce(lift.revenue_verdict in ('lift', 'negative', 'no_clear_effect'), false) as can_tell
        from paired
        left join lift
            on paired.audience_name = lift.audience_name
            and paired.is_pooled = lift.is_pooled
            and (paired.wave_date = lift.wave_date
                or (paired.wave_date is null and lift.wave_date is null))
    ) as paired
    left join estimated
        on paired.audience_name = estimated.audience_name

)

select * from final
