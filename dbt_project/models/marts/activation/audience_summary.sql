{#- One row per audience tonight: its size in treatment and holdout, who entered and left, and
    how much it shares with the other audiences (before priority picks one action per
    customer). -#}
with

definitions as (

    select * from {{ ref('audience_definitions') }}

),

members as (

    select audience_name, customer_id, treatment_group
    from {{ ref('audience_memberships') }}
    where is_current

),

changes as (

    select audience_name, change_type
    from {{ ref('audience_changes') }}
    where as_of_date = {{ as_of_date() }}

),

sizes as (

    select
        audience_name,
        count(*) as member_count,
        sum(case when treatment_group = 'treatment' then 1 else 0 end) as treatment_count,
        sum(case when treatment_group = 'holdout' then 1 else 0 end) as holdout_count
    from members
    group by audience_name

),

movement as (

    select
        audience_name,
        sum(case when change_type = 'entered' then 1 else 0 end) as entered_count,
        sum(case when change_type = 'exited' then 1 else 0 end) as exited_count
    from changes
    group by audience_name

),

pairs as (

    select
        members.audience_name,
        others.audience_name as other_audience_name,
        count(*) as shared_count
    from members
    inner join members as others
        on members.customer_id = others.customer_id
        and members.audience_name <> others.audience_name
    group by members.audience_name, others.audience_name

),

largest_overlap as (

    select audience_name, other_audience_name, shared_count
    from (
        select
            audience_name,
            other_audience_name,
            shared_count,
            row_number() over (
                partition by audience_name order by shared_count desc, other_audience_name
            ) as overlap_rank
        from pairs
    ) as ranked
    where overlap_rank = 1

),

in_others as (

    select members.audience_name, count(*) as shared_member_count
    from members
    where exists (
        select 1 from members as others
        where others.customer_id = members.customer_id
            and others.audience_name <> members.audience_name
    )
    group by members.audience_name

),

final as (

    select
        definitions.audience_name,
        cast(definitions.priority as integer) as priority,
        definitions.is_active,
        cast(coalesce(sizes.member_count, 0) as integer) as member_count,
        cast(coalesce(sizes.treatment_count, 0) as integer) as treatment_count,
        cast(coalesce(sizes.holdout_count, 0) as integer) as holdout_count,
        cast(coalesce(movement.entered_count, 0) as integer) as entered_count,
        cast(coalesce(movement.exited_count, 0) as integer) as exited_count,
        cast(coalesce(in_others.shared_member_count, 0) as integer) as members_in_other_audiences_count,
        largest_overlap.other_audience_name as largest_overlap_audience_name,
        cast(coalesce(largest_overlap.shared_count, 0) as integer) as largest_overlap_count,
        {{ as_of_date() }} as as_of_date
    from definitions
    left join sizes
        on definitions.audience_name = sizes.audience_name
    left join movement
        on definitions.audience_name = movement.audience_name
    left join in_others
        on definitions.audience_name = in_others.audience_name
    left join largest_overlap
        on definitions.audience_name = largest_overlap.audience_name

)

select * from final
