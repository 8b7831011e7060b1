{#- Identifiers handed over from one person to another, read off what their own records carry:
    one row per identifier and the day its later holder first shows. Which types can be handed
    over, and what tells, is `handover_evidence` in identity_rules.yml.

    A Taobao nick its owner renamed away from is freed and a later buyer may register it.
    int_taobao_nick_renames sees that when the first holder's mobile and name show the rename;
    when they do not (the first holder bought with privacy numbers), the nick's records still
    tell. Up to some day they carry the first holder's identifiers of the evidence types (an ERP
    customer, a real mobile, a TOP buyer_open_uid, the receiver's name); from that day on, others;
    none is seen on both sides of the day (a clean break); and at least one evidence type has a
    value on each side. A buyer who changes mobile keeps the nick's other evidence across the
    change (the name on the parcels, the ERP customer), so no clean break separates the two.
    Later handovers of the same identifier are not told apart (the first is). -#}
with

observations as {{ not_materialized() }} (

    select * from {{ ref('int_identifier_observations_unioned') }}

),

evidence_types as (

    select identifier_type, evidence_type from {{ ref('stg_identity__handover_evidence') }}

),

blocked_values as (

    select identifier_type, blocked_value
    from {{ ref('stg_identity__blocked_values') }}
    where match_kind = 'value'

),

record_times as (

    -- a record's time: a 发货报表 row has no order time, its order's other records do
    select record_key, min(observed_at) as record_at
    from observations
    group by record_key

),

held as (

    select distinct observations.record_key, observations.identifier_type,
        observations.identifier_value
    from observations
    where observations.identifier_type in (select identifier_type from evidence_types)

),

evidence as (

    -- each evidence value seen on an identifier's records, from its first to its last such record
    select
        held.identifier_type,
        held.identifier_value,
        observations.identifier_type as evidence_type,
        min(record_times.record_at) as seen_from,
        max(record_times.record_at) as seen_until
    from held
    inner join observations
        on held.record_key = observations.record_key
    inner join evidence_types
        on held.identifier_type = evidence_types.identifier_type
        and observations.identifier_type = evidence_types.evidence_type
    inner join record_times
        on held.record_key = record_times.record_key
    left join blocked_values
        on observations.identifier_type = blocked_values.identifier_type
        and observations.identifier_value = blocked_values.blocked_value
    where blocked_values.blocked_value is null
    group by
        held.identifier_type, held.identifier_value, observations.identifier_type,
        observations.identifier_value

),

moments as (

    -- the times evidence is first seen, each with the latest that evidence is seen
    select identifier_type, identifier_value, seen_from, max(seen_until) as until
    from evidence
    group by identifier_type, identifier_value, seen_from

),

clean_breaks as (

    -- moments before which everything seen had stopped being seen
    select identifier_type, identifier_value, seen_from as break_at
    from (
        select
            identifier_type,
            identifier_value,
            seen_from,
            max(until) over (
                partition by identifier_type, identifier_value order by seen_from
                rows between unbounded preceding and 1 preceding
            ) as earlier_until
        from moments
    ) as ordered
    where earlier_until < seen_from

),

two_sided_breaks as (

    -- clean breaks with a value of one evidence type on each side
    select clean_breaks.identifier_type, clean_breaks.identifier_value, clean_breaks.break_at
    from clean_breaks
    inner join evidence
        on clean_breaks.identifier_type = evidence.identifier_type
        and clean_breaks.identifier_value = evidence.identifier_value
    group by
        clean_breaks.identifier_type, clean_breaks.identifier_value, clean_breaks.break_at,
        evidence.evidence_type
    having sum(case when evidence.seen_from < clean_breaks.break_at then 1 else 0 end) > 0
       and sum(case when evidence.seen_from >= clean_breaks.break_at then 1 else 0 end) > 0

)

select identifier_type, identifier_value, min(break_at) as handed_over_at
from two_sided_breaks
group by identifier_type, identifier_value
