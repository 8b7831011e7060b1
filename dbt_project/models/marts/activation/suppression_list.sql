{#- One row per customer and reason they must get no marketing tonight:
    - do_not_contact: the shop's do-not-contact lists (勿扰名单, stg_shop__do_not_contact), by
      customer id, Taobao nick or mobile;
    - refund_in_progress: a refund not yet settled (var suppress_refund_in_progress);
    - complained: a survey score of at most var complaint_max_score in the last
      var complaint_suppression_days days.
    - stopped_contacting: past var stop_contacting_after_days since the last purchase, and sent
      var stop_contacting_after_touches marketing actions since (holdout records count, as for
      the caps) without buying: the guide's "stop wasting reach". From the last such action.
      Or, from the churn facts (customer_churn_reasons), past those days with the model giving
      at least var stop_contacting_min_churn_probability of no purchase in its horizon: the
      customers who will not come back, stopped tonight without waiting for the touches.
    - opted_out: an SMS reply that unsubscribes (TD, 退订 …; stg_shop__sms_replies), from a
      customer's mobile, for good.
    Erased people are not here: their rows are gone, and the outbox checks every contact point
    against the erasure tombstones (raw.suppression_list) before it writes one. -#}
with

customers as (

    select customer_id from {{ ref('dim_customers') }}

),

by_hand as (

    select * from {{ ref('stg_shop__do_not_contact') }}

),

identifiers as (

    select customer_id, identifier_type, identifier_value
    from {{ ref('customer_identifiers') }}
    where identifier_type in ('taobao_nick', 'phone_hmac')

),

listed as (

    select customer_id, reason, added_date
    from by_hand
    where customer_id is not null

    union all

    select identifiers.customer_id, by_hand.reason, by_hand.added_date
    from by_hand
    inner join identifiers
        on identifiers.identifier_type = 'taobao_nick'
        and by_hand.taobao_nick = identifiers.identifier_value

    union all

    select identifiers.customer_id, by_hand.reason, by_hand.added_date
    from by_hand
    inner join identifiers
        on identifiers.identifier_type = 'phone_hmac'
        and by_hand.mobile_hmac = identifiers.identifier_value
    where by_hand.mobile_kind = 'mobile'

),

do_not_contact as (

    select
        customer_id,
        'do_not_contact' as suppression_kind,
        coalesce(reason, 'on the do-not-contact list') as reason,
        added_date as suppressed_since_date
    from listed

),

refunds_open as (

    select
        customer_id,
        'refund_in_progress' as suppression_kind,
        'refund ' || refund_id || ' ' || refund_state as reason,
        applied_date as suppressed_since_date
    from {{ ref('fct_refunds') }}
    where customer_id is not null
        and refund_state in ('requested', 'awaiting_return', 'returned')
        and {{ 'true' if var('suppress_refund_in_progress') else 'false' }}

),

complaints as (

    select
        customer_id,
        'complained' as suppression_kind,
        'survey score ' || cast(score as {{ dbt.type_string() }}) as reason,
        answered_date as suppressed_since_date
    from {{ ref('survey_responses') }}
    where customer_id is not null
        and score <= {{ var('complaint_max_score') }}
        and answered_date > {{ dbt.dateadd('day', -1 * var('complaint_suppression_days'), as_of_date()) }}
        and answered_date <= {{ as_of_date() }}

),

opt_outs as (

    select
        identifiers.customer_id,
        'opted_out' as suppression_kind,
        'SMS reply ' || replies.content as reason,
        replies.replied_date as suppressed_since_date
    from {{ ref('stg_shop__sms_replies') }} as replies
    inner join identifiers
        on identifiers.identifier_type = 'phone_hmac'
        and replies.mobile_hmac = identifiers.identifier_value
    where replies.is_opt_out
        and replies.mobile_kind = 'mobile'
        and replies.replied_date <= {{ as_of_date() }}

),

lapsed as (

    select customer_id, last_purchase_date
    from {{ ref('dim_customers') }}
    where last_purchase_date
        <= {{ dbt.dateadd('day', -1 * var('stop_contacting_after_days'), as_of_date()) }}

),

touches_since_purchase as (

    select
        history.customer_id,
        lapsed.last_purchase_date,
        count(*) as touch_count,
        max(history.as_of_date) as last_touch_date
    from ({{ previous_contact_history() }}) as history
    inner join {{ ref('audience_definitions') }} as definitions
        on history.audience_name = definitions.audience_name
        and definitions.is_marketing
    inner join lapsed
        on history.customer_id = lapsed.customer_id
        and history.as_of_date > lapsed.last_purchase_date
    group by history.customer_id, lapsed.last_purchase_date

),

stopped as (

    select
        customer_id,
        'stopped_contacting' as suppression_kind,
        cast(touch_count as {{ dbt.type_string() }})
            || ' marketing actions since the last purchase on '
            || cast(last_purchase_date as {{ dbt.type_string() }}) || ', none followed by a purchase'
            as reason,
        last_touch_date as suppressed_since_date
    from touches_since_purchase
    where touch_count >= {{ var('stop_contacting_after_touches') }}

),

{%- set written_off_at = var('stop_contacting_min_churn_probability') %}
{%- if written_off_at is not none %}

written_off as (

    select
        customer_id,
        'stopped_contacting' as suppression_kind,
        'the model gives ' || cast(cast(floor(churn_probability * 100) as integer) as {{ dbt.type_string() }})
            || '% chance of no purchase, '
            || cast(days_since_last_purchase as {{ dbt.type_string() }}) || ' days since the last purchase'
            as reason,
        as_of_date as suppressed_since_date
    from {{ ref('customer_churn_reasons') }}
    where days_since_last_purchase > {{ var('stop_contacting_after_days') }}
        and churn_probability >= {{ written_off_at }}

),
{%- endif %}

unioned as (

    select * from do_not_contact
    union all
    select * from opt_outs
    union all
    select * from stopped
    {%- if written_off_at is not none %}
    union all
    select * from written_off
    {%- endif %}
    union all
    select * from refunds_open
    union all
    select * from complaints

),

-- one row per customer and kind: the earliest such reason still in force
ranked as (

    select
        *,
        row_number() over (
            partition by customer_id, suppression_kind
            order by suppressed_since_date, reason
        ) as reason_rank
    from unioned
    where customer_id in (select customer_id from customers)

),

final as (

    select
        customer_id,
        suppression_kind,
        reason,
        cast(suppressed_since_date as date) as suppressed_since_date,
        {{ as_of_date() }} as as_of_date
    from ranked
    where reason_rank = 1

)

select * from final
