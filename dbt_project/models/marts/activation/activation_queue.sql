{#- Tonight's decision for every member of an active audience: the one action each customer
    gets, and why every other membership was held back.

    In order: a marketing audience skips suppressed customers (suppression_list); an audience
    none of whose channels reaches the customer is skipped (unreachable); an audience whose
    action this customer had within its cooldown_days is skipped (cooldown); of what remains,
    the highest priority wins (the others: lower_priority); the winner is held back when it
    would pass a frequency cap (var activation_frequency_caps: at most max_actions within the
    last days, over every audience and channel). A channel that would pass its own cap (var
    activation_channel_caps) is dropped from the action; with no channel left it is held back
    (channel_cap). Holdout members go through the same steps, so
    treatment and holdout stay comparable; their action is recorded (queue_status holdout) and
    never sent. One row per audience and customer in it tonight. -#}
with

members as (

    select audience_name, customer_id, treatment_group
    from {{ ref('audience_memberships') }}
    where is_current

),

definitions as (

    select * from {{ ref('audience_definitions') }}
    where is_active

),

facts as (

    select customer_id, has_mobile, has_taobao_nick, is_wecom_contact
    from {{ ref('customer_audience_facts') }}

),

suppressed as (

    -- the first kind by name when a customer is suppressed for several reasons
    select customer_id, min(suppression_kind) as suppression_kind
    from {{ ref('suppression_list') }}
    group by customer_id

),

history as (

    {{ previous_contact_history() }}

),

last_actions as (

    select audience_name, customer_id, max(as_of_date) as last_action_date
    from history
    group by audience_name, customer_id

),

recent_actions as (

    select
        customer_id
        {%- for cap in var('activation_frequency_caps') %},
        sum(
            case when as_of_date > {{ dbt.dateadd('day', -1 * cap.days, as_of_date()) }} then 1 else 0 end
        ) as actions_in_{{ cap.days }}d
        {%- endfor %}
    from history
    group by customer_id

),

{%- set channel_caps = checked_channel_caps() %}

recent_by_channel as (

    select
        customer_id
        {%- for cap in channel_caps %},
        sum(
            case when as_of_date > {{ dbt.dateadd('day', -1 * cap.days, as_of_date()) }}
                and ',' || channels || ',' like '%,{{ cap.channel }},%' then 1 else 0 end
        ) as {{ cap.channel }}_in_{{ cap.days }}d
        {%- endfor %}
    from history
    group by customer_id

),

candidates as (

    select
        members.audience_name,
        members.customer_id,
        members.treatment_group,
        definitions.priority,
        definitions.channels,
        definitions.offer_kind,
        definitions.offer_value,
        definitions.template_id,
        -- the audience's channels that reach this customer
        nullif(concat_ws(',',
            case when ',' || definitions.channels || ',' like '%,sms,%' and facts.has_mobile then 'sms' end,
            case when ',' || definitions.channels || ',' like '%,wecom,%' and facts.is_wecom_contact then 'wecom' end,
            case when ',' || definitions.channels || ',' like '%,wangwang,%' and facts.has_taobao_nick then 'wangwang' end,
            case when ',' || definitions.channels || ',' like '%,taobao_crowd,%' and facts.has_taobao_nick then 'taobao_crowd' end,
            case when ',' || definitions.channels || ',' like '%,agent_task,%' then 'agent_task' end,
            case when ',' || definitions.channels || ',' like '%,webhook,%' then 'webhook' end
        ), '') as reachable_channels,
        case
            when definitions.is_marketing and suppressed.customer_id is not null
                then 'suppressed_' || suppressed.suppression_kind
            when last_actions.last_action_date
                > {{ dbt.dateadd('day', '-1 * definitions.cooldown_days', as_of_date()) }}
                then 'cooldown'
        end as skip_reason
    from members
    inner join definitions
        on members.audience_name = definitions.audience_name
    left join facts
        on members.customer_id = facts.customer_id
    left join suppressed
        on members.customer_id = suppressed.customer_id
    left join last_actions
        on members.audience_name = last_actions.audience_name
        and members.customer_id = last_actions.customer_id

),

eligible as (

    select
        *,
        row_number() over (
            partition by customer_id order by priority, audience_name
        ) as choice_rank
    from candidates
    where skip_reason is null and reachable_channels is not null

),

capped as (

    select
        eligible.*,
        {%- for cap in var('activation_frequency_caps') %}
        coalesce(recent_actions.actions_in_{{ cap.days }}d, 0) + 1 > {{ cap.max_actions }}
        {%- if not loop.last %} or {% endif %}
        {%- endfor %} as is_capped,
        -- the reachable channels under their own caps
        nullif(concat_ws(','
            {%- for channel in audience_channels() %},
            case when ',' || eligible.reachable_channels || ',' like '%,{{ channel }},%'
                {%- for cap in channel_caps if cap.channel == channel %}
                and coalesce(recent_by_channel.{{ channel }}_in_{{ cap.days }}d, 0) + 1 <= {{ cap.max_actions }}
                {%- endfor %}
                then '{{ channel }}' end
            {%- endfor %}
        ), '') as sendable_channels
    from eligible
    left join recent_actions
        on eligible.customer_id = recent_actions.customer_id
    left join recent_by_channel
        on eligible.customer_id = recent_by_channel.customer_id

),

decided as (

    select
        audience_name,
        customer_id,
        treatment_group,
        priority,
        channels,
        offer_kind,
        offer_value,
        template_id,
        choice_rank,
        is_capped,
        sendable_channels is null as is_channel_capped,
        -- the winner goes out on the channels left; the others show what reached them
        case when choice_rank = 1 and not is_capped and sendable_channels is not null
            then sendable_channels else reachable_channels end as reachable_channels
    from capped

),

statuses as (

    select
        audience_name,
        customer_id,
        treatment_group,
        priority,
        channels,
        reachable_channels,
        offer_kind,
        offer_value,
        template_id,
        case
            when choice_rank > 1 or is_capped or is_channel_capped then 'held_back'
            when treatment_group = 'holdout' then 'holdout'
            else 'queued'
        end as queue_status,
        case
            when choice_rank > 1 then 'lower_priority'
            when is_capped then 'frequency_cap'
            when is_channel_capped then 'channel_cap'
        end as held_back_reason
    from decided

    union all

    select
        audience_name,
        customer_id,
        treatment_group,
        priority,
        channels,
        reachable_channels,
        offer_kind,
        offer_value,
        template_id,
        'held_back' as queue_status,
        coalesce(skip_reason, 'unreachable') as held_back_reason
    from candidates
    where skip_reason is not null or reachable_channels is null

),

final as (

    select
        audience_name || ':' || customer_id || ':' || cast({{ as_of_date() }} as {{ dbt.type_string() }})
            as send_key,
        audience_name,
        customer_id,
        treatment_group,
        cast(priority as integer) as priority,
        queue_status,
        held_back_reason,
        channels as audience_channels,
        reachable_channels,
        offer_kind,
        offer_value,
        template_id,
        {{ activation_send_at() }} as scheduled_send_at,
        {{ as_of_date() }} as as_of_date
    from statuses

)

select * from final
