{#- One row per tier change: a member joining (on the lowest tier), moving up the day their
    measure crossed a threshold, or moving down when a review's grace days ran out. -#}
select
    member_id,
    customer_id,
    valid_from_date as changed_date,
    change_kind,
    previous_member_tier,
    member_tier,
    tier_rank,
    tier_measure_at_change,
    valid_from_date = {{ as_of_date() }} as is_tonight
from {{ ref('int_member_tier_stretches') }}
