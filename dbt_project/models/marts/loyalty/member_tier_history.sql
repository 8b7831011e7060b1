{#- One row per member per stretch of days they held a tier (valid_to_date exclusive; null:
    held tonight). The ladder's logic is in int_member_tier_stretches. -#}
select
    member_id,
    customer_id,
    tier_rank,
    member_tier,
    change_kind,
    previous_member_tier,
    tier_measure_at_change,
    valid_from_date,
    valid_to_date,
    is_current
from {{ ref('int_member_tier_stretches') }}
