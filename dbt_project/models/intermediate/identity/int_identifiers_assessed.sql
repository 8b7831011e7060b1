{#- One row per identifier (type, value): where and when it was seen, and whether it may join
    records into one customer under the rules of dbt_project/identity_rules.yml:

    - `never_links`: its type does not link (or has no rule: an unknown type never links);
    - `blocked`: a placeholder or masked value, or one of the shop's test accounts;
    - `skipped_group_size`: seen with more than `max_group_size` identifiers of a limit's type
      `group_of`;
    - `skipped_concurrent`: more than `max_concurrent` of them alive at once (first to last seen
      anywhere): two nicks on one phone one after the other are a rename, two in use in the same
      months are two people (a household);
    - `links`.

    Group sizes count only `group_of` identifiers that are not blocked themselves, so a phone is
    not skipped for the masked nicks (t**1) it was seen with. `group_size` and `max_concurrent`
    report the limit that came closest to its cap (the first limit, by group_of, if none was
    broken).

    Incremental, identifier by identifier (unique key `node_key`): a night reassesses
    - every identifier on a record int_identifier_observations rewrote since this model's last
      build (`built_through`), and every one those records held before the rewrite
      (int_identifier_observations_replaced): only they gained or lost observations;
    - every limited identifier sharing a record with such an identifier of the type it counts
      (`group_of`, unless blocked): that member's lifetime, and so the concurrency, may have
      moved.
    Each is reassessed from all of its observations, as a full build would. One left with no
    observation is written as a row with no type, so that the delete+insert clears it, and the
    post-hook deletes those rows. When the rules change (their digest, `rules_digest`, differs
    from the stored one), every identifier is reassessed. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='node_key',
    on_schema_change='fail',
    post_hook="{{ drop_marker_rows() }}",
) }}
{%- set measured_or_all = 'measured_observations' if is_incremental() else 'observations' %}
with

observations as {{ not_materialized() }} (

    select * from {{ ref('int_identifier_observations') }}

),

-- what incremental builds of int_identifier_observations replaced (empty after a full build)
replaced as (

    select * from {{ ref('int_identifier_observations_replaced') }}

),

rules as (

    select * from {{ ref('stg_identity__rules') }}

),

limits as {{ not_materialized() }} (

    select * from {{ ref('stg_identity__group_limits') }}

),

blocked_values as {{ not_materialized() }} (

    select * from {{ ref('stg_identity__blocked_values') }}

),

{%- if is_incremental() %}

-- identifiers that gained or lost an observation since the last build, or every one if the
-- rules changed
changed as (

    select identifier_type, identifier_value
    from observations
    where built_through > {{ built_through_watermark() }}
        or (select max(rules_digest) from {{ this }}) <> {{ identity_rules_digest() }}
    union
    select identifier_type, identifier_value
    from replaced
    where built_through > {{ built_through_watermark() }}

),

-- limited identifiers sharing a record with a changed, unblocked identifier they count
regrouped as (

    select distinct limited.identifier_type, limited.identifier_value
    from changed
    inner join limits
        on changed.identifier_type = limits.group_of
    inner join observations as member
        on changed.identifier_type = member.identifier_type
        and changed.identifier_value = member.identifier_value
    inner join observations as limited
        on member.record_key = limited.record_key
        and limits.identifier_type = limited.identifier_type
    where not exists (
        select 1
        from blocked_values
        where changed.identifier_type = blocked_values.identifier_type
            and (
                (blocked_values.match_kind = 'value'
                    and changed.identifier_value = blocked_values.blocked_value)
                or (blocked_values.match_kind = 'pattern'
                    and changed.identifier_value like blocked_values.blocked_value)
            )
    )

),

reassessed as (

    select identifier_type, identifier_value from changed
    union
    select identifier_type, identifier_value from regrouped

),

-- the identifiers whose lifetimes a reassessment reads: the reassessed and their group members
measured as (

    select identifier_type, identifier_value from reassessed
    union
    select member.identifier_type, member.identifier_value
    from reassessed
    inner join limits
        on reassessed.identifier_type = limits.identifier_type
    inner join observations as limited
        on reassessed.identifier_type = limited.identifier_type
        and reassessed.identifier_value = limited.identifier_value
    inner join observations as member
        on limited.record_key = member.record_key
        and limits.group_of = member.identifier_type

),

measured_observations as (

    select observations.*
    from observations
    inner join measured
        on observations.identifier_type = measured.identifier_type
        and observations.identifier_value = measured.identifier_value

),
{%- endif %}

-- Which sources saw an identifier, as one bit each: a per-identifier list of distinct strings is
-- an aggregate state DuckDB cannot spill (at 1M customers it alone took 26 s and, with the
-- rest of the model, ran out of memory); an OR of bits is one number. The few distinct masks
-- are spelt out once. The labels are the handful written in int_identifier_observations_unioned.
source_bits as (

    select
        source,
        cast(power(2, row_number() over (order by source) - 1) as {{ dbt.type_bigint() }})
            as source_bit
    from (select distinct source from {{ measured_or_all }}) as sources

),

identifier_masks as (

    select
        observations.identifier_type,
        observations.identifier_value,
        min(observations.observed_at) as first_seen_at,
        max(observations.observed_at) as last_seen_at,
        count(distinct observations.record_key) as record_count,
        bit_or(source_bits.source_bit) as source_mask
    from {{ measured_or_all }} as observations
    inner join source_bits
        on observations.source = source_bits.source
    group by observations.identifier_type, observations.identifier_value

),

mask_sources as (

    select
        masks.source_mask,
        {{ dbt.listagg('source_bits.source', "','", 'order by source_bits.source') }} as sources
    from (select distinct source_mask from identifier_masks) as masks
    inner join source_bits
        on masks.source_mask & source_bits.source_bit <> 0
    group by masks.source_mask

),

identifiers as (

    select
        identifier_masks.identifier_type,
        identifier_masks.identifier_value,
        identifier_masks.first_seen_at,
        identifier_masks.last_seen_at,
        identifier_masks.record_count,
        mask_sources.sources
    from identifier_masks
    inner join mask_sources
        on identifier_masks.source_mask = mask_sources.source_mask

),

blocked as (

    select distinct identifiers.identifier_type, identifiers.identifier_value
    from identifiers
    inner join blocked_values
        on identifiers.identifier_type = blocked_values.identifier_type
        and identifiers.identifier_value = blocked_values.blocked_value
    where blocked_values.match_kind = 'value'

    union

    select identifiers.identifier_type, identifiers.identifier_value
    from identifiers
    inner join blocked_values
        on identifiers.identifier_type = blocked_values.identifier_type
    where blocked_values.match_kind = 'pattern'
      and identifiers.identifier_value like blocked_values.blocked_value

),

limited_observations as (

    select observations.*, limits.group_of
    from {{ measured_or_all }} as observations
    inner join limits
        on observations.identifier_type = limits.identifier_type
    {%- if is_incremental() %}
    inner join reassessed
        on observations.identifier_type = reassessed.identifier_type
        and observations.identifier_value = reassessed.identifier_value
    {%- endif %}

),

group_members as (

    -- each limited identifier with each unblocked group_of identifier it shares a record with,
    -- and that identifier's whole lifetime (first to last seen anywhere): two nicks on one phone
    -- one after the other are a rename, two alive at the same time are two people
    select
        limited.identifier_type,
        limited.identifier_value,
        limited.group_of,
        member.identifier_value as member_value,
        min(member_lifetime.first_seen_at) as together_from,
        max(member_lifetime.last_seen_at) as together_until
    from limited_observations as limited
    inner join {{ measured_or_all }} as member
        on limited.record_key = member.record_key
        and limited.group_of = member.identifier_type
    inner join identifiers as member_lifetime
        on member.identifier_type = member_lifetime.identifier_type
        and member.identifier_value = member_lifetime.identifier_value
    left join blocked
        on member.identifier_type = blocked.identifier_type
        and member.identifier_value = blocked.identifier_value
    where blocked.identifier_value is null
    group by
        limited.identifier_type, limited.identifier_value, limited.group_of, member.identifier_value

),

span_events as (

    select identifier_type, identifier_value, group_of, together_from as at_time, 1 as change
    from group_members
    union all
    select identifier_type, identifier_value, group_of, together_until, -1
    from group_members

),

running as (

    -- a span's start counts before another's end at the same moment: closed intervals overlap
    select
        identifier_type,
        identifier_value,
        group_of,
        sum(change) over (
            partition by identifier_type, identifier_value, group_of
            order by at_time, change desc
            rows between unbounded preceding and current row
        ) as in_use
    from span_events

),

group_sizes as (

    select
        group_members.identifier_type,
        group_members.identifier_value,
        group_members.group_of,
        count(*) as group_size,
        max(concurrency.max_in_use) as max_concurrent
    from group_members
    inner join (
        select identifier_type, identifier_value, group_of, max(in_use) as max_in_use
        from running
        group by identifier_type, identifier_value, group_of
    ) as concurrency
        on group_members.identifier_type = concurrency.identifier_type
        and group_members.identifier_value = concurrency.identifier_value
        and group_members.group_of = concurrency.group_of
    group by group_members.identifier_type, group_members.identifier_value, group_members.group_of

),

limit_outcomes as (

    select
        group_sizes.*,
        case
            when group_sizes.group_size > limits.max_group_size then 'skipped_group_size'
            when group_sizes.max_concurrent > limits.max_concurrent then 'skipped_concurrent'
        end as skip_reason,
        row_number() over (
            partition by group_sizes.identifier_type, group_sizes.identifier_value
            order by
                case
                    when group_sizes.group_size > limits.max_group_size then 0
                    when group_sizes.max_concurrent > limits.max_concurrent then 1
                    else 2
                end,
                group_sizes.group_of
        ) as outcome_rank
    from group_sizes
    inner join limits
        on group_sizes.identifier_type = limits.identifier_type
        and group_sizes.group_of = limits.group_of

),

worst_limit as (

    select * from limit_outcomes where outcome_rank = 1

),

final as (

    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        -- (from the reassessed list in an incremental build: an identifier with no observation
        -- left is a row with no type, which the post-hook deletes)
        {{ 'reassessed' if is_incremental() else 'identifiers' }}.identifier_type || ':'
            || {{ 'reassessed' if is_incremental() else 'identifiers' }}.identifier_value
            as node_key,
        identifiers.sources,
        identifiers.first_seen_at,
        identifiers.last_seen_at,
        identifiers.record_count,
        worst_limit.group_of,
        coalesce(worst_limit.group_size, 0) as group_size,
        coalesce(worst_limit.max_concurrent, 0) as max_concurrent,
        case
            when not coalesce(rules.links, false) then 'never_links'
            when blocked.identifier_value is not null then 'blocked'
            when worst_limit.skip_reason is not null then worst_limit.skip_reason
            else 'links'
        end as link_status
    {%- if is_incremental() %}
    from reassessed
    left join identifiers
        on reassessed.identifier_type = identifiers.identifier_type
        and reassessed.identifier_value = identifiers.identifier_value
    {%- else %}
    from identifiers
    {%- endif %}
    left join rules
        on identifiers.identifier_type = rules.identifier_type
    left join blocked
        on identifiers.identifier_type = blocked.identifier_type
        and identifiers.identifier_value = blocked.identifier_value
    left join worst_limit
        on identifiers.identifier_type = worst_limit.identifier_type
        and identifiers.identifier_value = worst_limit.identifier_value

)

select
    final.*,
    {{ identity_rules_digest() }} as rules_digest,
    (select max(built_through) from observations) as built_through
from final
