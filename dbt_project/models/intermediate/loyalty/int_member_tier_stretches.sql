{#- One row per member per stretch of days they held a tier, from joining to the as-of day.

    A member moves up the day their measure (int_member_tier_measures) crosses a threshold and
    moves down only at a tier review: at each review day (annual or joining anniversary) the
    tier the measure qualifies for is compared with the tier held, and after grace_days the
    member holds the highest tier they qualified for since the review day. So a member who
    falls short at the review keeps the tier through the grace days, and one who earns it back
    inside them keeps it. DECISIONLOG "The loyalty engine" says why. -#}
{%- set programme = loyalty_programme() %}
with

members as (

    select * from {{ ref('int_loyalty_members_joined_to_customers') }}

),

measures as (

    select * from {{ ref('int_member_tier_measures') }}

),

reviews as (

    select
        member_id,
        review_date,
        cast({{ dbt.dateadd('day', programme.tier_review.grace_days, 'review_date') }} as date) as settles_date
    from (
        select
            members.member_id,
            members.joined_date,
            {{ tier_review_date('years.review_year', 'members.joined_date') }} as review_date
        from members
        cross join ({{ tier_review_years() }}) as years
    ) as candidates
    where review_date > joined_date
        and review_date <= {{ as_of_date() }}

),

settled_reviews as (

    select * from reviews
    where settles_date <= {{ as_of_date() }}

),

rank_at_review as (

    select
        member_id,
        review_date,
        qualifying_tier_rank
    from (
        select
            settled_reviews.member_id,
            settled_reviews.review_date,
            measures.qualifying_tier_rank,
            row_number() over (
                partition by settled_reviews.member_id, settled_reviews.review_date
                order by measures.change_date desc
            ) as recency_rank
        from settled_reviews
        inner join measures
            on settled_reviews.member_id = measures.member_id
            and measures.change_date <= settled_reviews.review_date
    ) as ranked
    where recency_rank = 1

),

rank_in_grace as (

    select
        settled_reviews.member_id,
        settled_reviews.review_date,
        max(measures.qualifying_tier_rank) as qualifying_tier_rank
    from settled_reviews
    inner join measures
        on settled_reviews.member_id = measures.member_id
        and measures.change_date > settled_reviews.review_date
        and measures.change_date <= settled_reviews.settles_date
    group by settled_reviews.member_id, settled_reviews.review_date

),

settlements as (

    select
        settled_reviews.member_id,
        settled_reviews.settles_date,
        greatest(
            coalesce(rank_at_review.qualifying_tier_rank, 0),
            coalesce(rank_in_grace.qualifying_tier_rank, 0)
        ) as settled_tier_rank
    from settled_reviews
    left join rank_at_review
        on settled_reviews.member_id = rank_at_review.member_id
        and settled_reviews.review_date = rank_at_review.review_date
    left join rank_in_grace
        on settled_reviews.member_id = rank_in_grace.member_id
        and settled_reviews.review_date = rank_in_grace.review_date

),

timeline as (

    select member_id, joined_date as on_date, 0 as row_order, 0 as tier_rank
    from members
    union all
    select member_id, settles_date, 1, settled_tier_rank
    from settlements
    union all
    select measures.member_id, measures.change_date, 2, measures.qualifying_tier_rank
    from measures
    inner join members
        on measures.member_id = members.member_id

),

periods as (

    select
        *,
        sum(case when row_order = 1 then 1 else 0 end) over (
            partition by member_id
            order by on_date, row_order
            rows between unbounded preceding and current row
        ) as review_period
    from timeline

),

held as (

    select
        member_id,
        on_date,
        row_order,
        max(tier_rank) over (
            partition by member_id, review_period
            order by on_date, row_order
            rows between unbounded preceding and current row
        ) as held_tier_rank
    from periods

),

end_of_day as (

    select
        member_id,
        on_date,
        held_tier_rank,
        row_number() over (
            partition by member_id, on_date
            order by row_order desc, held_tier_rank
        ) as last_of_day
    from held

),

changes as (

    select
        member_id,
        on_date,
        held_tier_rank,
        lag(held_tier_rank) over (partition by member_id order by on_date) as previous_tier_rank
    from end_of_day
    where last_of_day = 1

),

stretches as (

    select
        member_id,
        on_date as valid_from_date,
        held_tier_rank as tier_rank,
        previous_tier_rank,
        lead(on_date) over (partition by member_id order by on_date) as valid_to_date
    from changes
    where previous_tier_rank is null
        or held_tier_rank <> previous_tier_rank

),

measure_at_start as (

    select
        member_id,
        valid_from_date,
        tier_measure
    from (
        select
            stretches.member_id,
            stretches.valid_from_date,
            measures.tier_measure,
            row_number() over (
                partition by stretches.member_id, stretches.valid_from_date
                order by measures.change_date desc
            ) as recency_rank
        from stretches
        inner join measures
            on stretches.member_id = measures.member_id
            and measures.change_date <= stretches.valid_from_date
    ) as ranked
    where recency_rank = 1

),

final as (

    select
        stretches.member_id,
        members.customer_id,
        stretches.tier_rank,
        {{ tier_setting('stretches.tier_rank', 'name') }} as member_tier,
        case
            when stretches.previous_tier_rank is null then 'joined'
            when stretches.tier_rank > stretches.previous_tier_rank then 'upgrade'
            else 'downgrade'
        end as change_kind,
        {{ tier_setting('stretches.previous_tier_rank', 'name') }} as previous_member_tier,
        cast(coalesce(measure_at_start.tier_measure, 0) as decimal(18, 2)) as tier_measure_at_change,
        stretches.valid_from_date,
        stretches.valid_to_date,
        stretches.valid_to_date is null as is_current
    from stretches
    inner join members
        on stretches.member_id = members.member_id
    left join measure_at_start
        on stretches.member_id = measure_at_start.member_id
        and stretches.valid_from_date = measure_at_start.valid_from_date

)

select * from final
