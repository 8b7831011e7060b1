{#- One row per recorded change of a customer's RFM group, lifecycle stage or member tier: what it
    was, what it became and the as-of day of the run that saw it (snapshot
    customer_segment_history). The record of transitions operators audit a campaign against;
    it starts with the first nightly run. -#}
with

history as (

    select * from {{ ref('customer_segment_history') }}

),

spells as (

    select
        customer_id,
        cast(dbt_valid_from as date) as changed_on_date,
        rfm_group_cn,
        lifecycle_stage,
        member_tier,
        lag(rfm_group_cn) over (
            partition by customer_id order by dbt_valid_from
        ) as previous_rfm_group_cn,
        lag(lifecycle_stage) over (
            partition by customer_id order by dbt_valid_from
        ) as previous_lifecycle_stage,
        lag(member_tier) over (
            partition by customer_id order by dbt_valid_from
        ) as previous_member_tier,
        row_number() over (partition by customer_id order by dbt_valid_from) as spell_number
    from history

),

changes as (

    select customer_id, changed_on_date, 'rfm_group' as segment_type,
        previous_rfm_group_cn as from_segment, rfm_group_cn as to_segment
    from spells
    where spell_number > 1
      and coalesce(previous_rfm_group_cn, '-') <> coalesce(rfm_group_cn, '-')
    union all
    select customer_id, changed_on_date, 'lifecycle_stage',
        previous_lifecycle_stage, lifecycle_stage
    from spells
    where spell_number > 1
      and coalesce(previous_lifecycle_stage, '-') <> coalesce(lifecycle_stage, '-')
    union all
    select customer_id, changed_on_date, 'member_tier',
        previous_member_tier, member_tier
    from spells
    where spell_number > 1
      and coalesce(previous_member_tier, '-') <> coalesce(member_tier, '-')

),

final as (

    select
        customer_id,
        changed_on_date,
        cast(segment_type as {{ dbt.type_string() }}) as segment_type,
        cast(from_segment as {{ dbt.type_string() }}) as from_segment,
        cast(to_segment as {{ dbt.type_string() }}) as to_segment
    from changes

)

select * from final
