{#- A warning, in the Dagster UI on member_loyalty_reconciliation, when more than
    reconciliation_warn_share of members' exported balance or tier differ from what the shop's
    rules compute: the membership tool and the rules disagree (points not clawed back, expiry
    not run, a downgrade never made) and one of them needs fixing. One row per kind of
    difference, with its count and share of members. -#}
{{ config(severity='warn') }}

with

members as (

    select * from {{ ref('member_loyalty_reconciliation') }}

),

differences as (

    select 'points: ' || points_mismatch_reason as difference, count(*) as member_count
    from members
    where points_mismatch_reason <> 'matches'
    group by points_mismatch_reason
    union all
    select 'tier: ' || tier_mismatch_reason, count(*)
    from members
    where tier_mismatch_reason not in ('matches', 'not_exported')
    group by tier_mismatch_reason

),

mismatched as (

    select count(*) as member_count
    from members
    where points_mismatch_reason <> 'matches'
        or tier_mismatch_reason not in ('matches', 'not_exported')

)

select
    differences.difference,
    differences.member_count,
    differences.member_count * 1.0 / (select count(*) from members) as member_share
from differences
cross join mismatched
where mismatched.member_count * 1.0 / (select count(*) from members)
    > {{ loyalty_programme().reconciliation_warn_share }}
