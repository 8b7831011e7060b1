{#- A warning, in the Dagster UI on campaign_lift, for an audience whose pooled campaigns lower
    conversion or net revenue against its holdout (the whole 95% interval below zero): the
    action drives customers away, or its coupon only subsidises what they would have bought. -#}
{{ config(severity='warn') }}

select
    audience_name,
    treatment_count,
    holdout_count,
    conversion_lift,
    conversion_verdict,
    net_revenue_per_member_lift,
    revenue_verdict
from {{ ref('campaign_lift') }}
where is_pooled
    and (conversion_verdict = 'negative' or revenue_verdict = 'negative')
