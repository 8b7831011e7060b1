{#- Each customer's RFM group, lifecycle stage and member tier, one row per spell: a new row only
    when one of them changes, dated by the as-of day of the run that saw it (check strategy with
    updated_at), so a night run twice, or a night on which nobody moved, adds nothing. -#}
{% snapshot customer_segment_history %}
{{
    config(
        schema='snapshots',
        unique_key='customer_id',
        strategy='check',
        check_cols=['rfm_group_cn', 'lifecycle_stage', 'member_tier'],
        updated_at='as_of_at',
    )
}}

select
    lifecycle.customer_id,
    rfm.rfm_group_code,
    rfm.rfm_group_cn,
    rfm.rfm_segment_en,
    lifecycle.lifecycle_stage,
    tiers.tag_value as member_tier,
    cast(lifecycle.as_of_date as timestamp) as as_of_at
from {{ ref('customer_lifecycle') }} as lifecycle
left join {{ ref('customer_rfm') }} as rfm
    on lifecycle.customer_id = rfm.customer_id
left join {{ ref('customer_tags') }} as tiers
    on lifecycle.customer_id = tiers.customer_id
    and tiers.tag = 'member_tier'

{% endsnapshot %}
