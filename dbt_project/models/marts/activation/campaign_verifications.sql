{#- One row per audience with a goal (its goal setting: repurchase up 5%, churn down 10% …):
    the loop's last step, verify. Over every member whose goal period (goal_period_days from
    the send) is over, pooled across waves: the share who repurchased in the period, or who had
    churned by its end (no purchase for longer than var lifecycle_churn_after_days), in
    treatment and in holdout, and the relative change with Katz's 95% log interval.

    verified: the change reaches the goal and its whole interval lies on the goal's side of no
    change; direction_confirmed: the interval is on that side but the change falls short of the
    goal; not_verified: the interval lies against the goal, or includes no change with a holdout
    big enough to have detected the goal's change (var campaign_power); too_small_to_tell: it
    includes no change with a smaller holdout, a group has no event, or a group has fewer than
    var campaign_min_group_size members; pending: no member's period is over yet. -#}
with

definitions as (

    select audience_name, goal_metric, goal_change, goal_period_days
    from {{ ref('audience_definitions') }}
    where goal_metric is not null

),

members as (

    select
        members.audience_name,
        members.treatment_group,
        case definitions.goal_metric
            when 'repurchase' then members.has_repurchased_in_goal_period
            else members.is_churned_at_goal_period_end
        end as has_event
    from {{ ref('campaign_member_outcomes') }} as members
    inner join definitions
        on members.audience_name = definitions.audience_name
    where members.is_goal_period_over

),

counts as (

    select
        audience_name,
        sum(case when treatment_group = 'treatment' then 1 else 0 end) as treatment_count,
        sum(case when treatment_group = 'holdout' then 1 else 0 end) as holdout_count,
        sum(case when treatment_group = 'treatment' and has_event then 1 else 0 end) as treatment_event_count,
        sum(case when treatment_group = 'holdout' and has_event then 1 else 0 end) as holdout_event_count
    from members
    where has_event is not null
    group by audience_name

),

measured as (

    select
        definitions.audience_name,
        definitions.goal_metric,
        definitions.goal_change,
        definitions.goal_period_days,
        coalesce(counts.treatment_count, 0) as treatment_count,
        coalesce(counts.holdout_count, 0) as holdout_count,
        coalesce(counts.treatment_event_count, 0) as treatment_event_count,
        coalesce(counts.holdout_event_count, 0) as holdout_event_count,
        counts.treatment_event_count * 1.0 / nullif(counts.treatment_count, 0) as treatment_rate,
        counts.holdout_event_count * 1.0 / nullif(counts.holdout_count, 0) as holdout_rate
    from definitions
    left join counts
        on definitions.audience_name = counts.audience_name

),

sized as (

    select
        *,
        -- holdout members needed to tell the goal's change from the holdout's rate
        case when holdout_rate > 0 and treatment_count > 0 then
            {{ required_holdout_count_for_rate(
                'holdout_rate',
                'treatment_count * 1.0 / holdout_count',
                'holdout_rate * goal_change') }}
        end as required_holdout_count,
        {{ katz_relative_bound('treatment_event_count', 'treatment_count', 'holdout_event_count', 'holdout_count', 'lower') }}
            as change_lower,
        {{ katz_relative_bound('treatment_event_count', 'treatment_count', 'holdout_event_count', 'holdout_count', 'upper') }}
            as change_upper
    from measured

),

judged as (

    select
        *,
        case
            when treatment_count = 0 and holdout_count = 0 then 'pending'
            when treatment_event_count = 0 or holdout_event_count = 0
                or treatment_count < {{ var('campaign_min_group_size') }}
                or holdout_count < {{ var('campaign_min_group_size') }} then 'too_small_to_tell'
            when goal_change > 0 and change_lower > 0 and treatment_rate / holdout_rate - 1 >= goal_change
                then 'verified'
            when goal_change < 0 and change_upper < 0 and treatment_rate / holdout_rate - 1 <= goal_change
                then 'verified'
            when (goal_change > 0 and change_lower > 0) or (goal_change < 0 and change_upper < 0)
                then 'direction_confirmed'
            when (goal_change > 0 and change_upper < 0) or (goal_change < 0 and change_lower > 0)
                or holdout_count >= required_holdout_count then 'not_verified'
            else 'too_small_to_tell'
        end as verdict
    from sized

),

final as (

    select
        audience_name,
        goal_metric,
        cast(goal_change as decimal(18, 4)) as goal_change,
        cast(goal_period_days as integer) as goal_period_days,
        cast(treatment_count as integer) as treatment_count,
        cast(holdout_count as integer) as holdout_count,
        cast(treatment_rate as decimal(18, 6)) as treatment_rate,
        cast(holdout_rate as decimal(18, 6)) as holdout_rate,
        cast(case when verdict not in ('pending', 'too_small_to_tell')
            then treatment_rate / holdout_rate - 1 end as decimal(18, 6)) as relative_change,
        cast(case when verdict not in ('pending', 'too_small_to_tell') then change_lower end
            as decimal(18, 6)) as relative_change_lower,
        cast(case when verdict not in ('pending', 'too_small_to_tell') then change_upper end
            as decimal(18, 6)) as relative_change_upper,
        cast(required_holdout_count as integer) as required_holdout_count,
        verdict,
        {{ as_of_date() }} as as_of_date
    from judged

)

select * from final
