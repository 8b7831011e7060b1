{#- A warning, in the Dagster UI on audience_summary, for an active audience that is empty
    tonight or whose size moved by more than var audience_jump_warn_share since last night
    (entered minus exited over last night's size): a rule that broke, or data that did. -#}
{{ config(severity='warn') }}

select
    audience_name,
    member_count,
    entered_count,
    exited_count,
    case when member_count = 0 then 'empty' else 'jumped' end as finding
from {{ ref('audience_summary') }}
where is_active
    and (
        member_count = 0
        or (
            member_count - entered_count + exited_count > 0
            and abs(entered_count - exited_count)
                > {{ var('audience_jump_warn_share') }} * (member_count - entered_count + exited_count)
        )
    )
