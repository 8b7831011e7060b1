{#- One row per customer at risk or lost: why they are most likely leaving, with a score per
    reason and the evidence behind it (customer_churn_signals), and the three views of churn
    side by side.

    Who is here: the lifecycle stage says silent or churned (days since the last purchase
    against the shop's rhythm), or the model's churn risk band (customer_predictions: the
    chance of no purchase in the next 180 days) says high or very high.

    Reasons: price_sensitive, service_dissatisfied and need_changed, each scored 0-1 by macro
    churn_reason_score from the signals in var churn_reasons. The most probable reason is the
    highest score when it reaches var churn_reasons.min_score, else unknown; a tie goes to
    service, then price, then need (a service failure is the one the shop must answer first).

    The views of churn. days_view is the lifecycle's (and, since R is scored against the same
    rhythm, the RFM recency's: R 3 = silent = at_risk, R 1-2 = churned); model_view the
    prediction's (very_high = churned, high = at_risk, medium or low = active). They differ by
    design, not by error: the days view applies one shop-wide threshold to everyone, the model
    weighs each customer's own past. A customer who bought every few weeks for years and has
    now been away 100 days is churned by the days view and still likely to return by the model
    (frequent buyers have long gaps too); a one-time buyer 60 days back is silent by days and
    very likely gone by the model. churn_views_agree says which customers the two disagree on,
    so an audience can ask for both. -#}
with

lifecycle as (

    select * from {{ ref('customer_lifecycle') }}

),

rfm as (

    select * from {{ ref('customer_rfm') }}

),

predictions as (

    select * from {{ source('predictions', 'customer_predictions') }}

),

signals as (

    select * from {{ ref('customer_churn_signals') }}

),

at_risk as (

    select
        lifecycle.customer_id,
        lifecycle.lifecycle_stage,
        lifecycle.days_since_last_purchase,
        rfm.r_score,
        rfm.rfm_group_cn,
        predictions.churn_probability,
        predictions.churn_risk_band,
        case lifecycle.lifecycle_stage
            when 'churned' then 'churned'
            when 'silent' then 'at_risk'
            else 'active'
        end as days_view,
        case predictions.churn_risk_band
            when 'very_high' then 'churned'
            when 'high' then 'at_risk'
            when 'medium' then 'active'
            when 'low' then 'active'
        end as model_view
    from lifecycle
    inner join rfm
        on lifecycle.customer_id = rfm.customer_id
    left join predictions
        on lifecycle.customer_id = predictions.customer_id
    where lifecycle.lifecycle_stage in ('silent', 'churned')
        or predictions.churn_risk_band in ('high', 'very_high')

),

scored as (

    select
        at_risk.*,
        signals.discount_share,
        signals.promotion_order_share,
        signals.price_index,
        signals.coupon_order_share,
        signals.price_mention_count,
        signals.rejected_refund_count,
        signals.slow_refund_count,
        signals.after_sales_case_count,
        signals.detractor_answer_count,
        signals.service_complaint_count,
        signals.last_order_refunded,
        signals.new_category_share,
        signals.aged_out_spend_share,
        signals.stopped_category_count,
        signals.need_change_mention_count,
        {{ churn_reason_score('price_sensitive', 'signals') }} as price_sensitive_score,
        {{ churn_reason_score('service_dissatisfied', 'signals') }} as service_dissatisfied_score,
        {{ churn_reason_score('need_changed', 'signals') }} as need_changed_score
    from at_risk
    inner join signals
        on at_risk.customer_id = signals.customer_id

),

chosen as (

    select
        scored.*,
        case
            when service_dissatisfied_score >= price_sensitive_score
                and service_dissatisfied_score >= need_changed_score
                then 'service_dissatisfied'
            when price_sensitive_score >= need_changed_score then 'price_sensitive'
            else 'need_changed'
        end as leading_reason,
        greatest(price_sensitive_score, service_dissatisfied_score, need_changed_score)
            as leading_score
    from scored

),

final as (

    select
        customer_id,
        {{ as_of_date() }} as as_of_date,
        case when lifecycle_stage = 'churned' then 'churned' else 'at_risk' end as churn_status,
        case
            when leading_score >= {{ var('churn_reasons')['min_score'] }} then leading_reason
            else 'unknown'
        end as churn_reason,
        case
            when leading_score < {{ var('churn_reasons')['min_score'] }} then '原因不明'
            when leading_reason = 'service_dissatisfied' then '服务不满'
            when leading_reason = 'price_sensitive' then '价格敏感'
            else '需求变化'
        end as churn_reason_cn,
        leading_score as churn_reason_score,
        price_sensitive_score,
        service_dissatisfied_score,
        need_changed_score,
        lifecycle_stage,
        days_since_last_purchase,
        r_score,
        rfm_group_cn,
        churn_probability,
        churn_risk_band,
        days_view,
        model_view,
        days_view = model_view as churn_views_agree,
        discount_share,
        promotion_order_share,
        price_index,
        coupon_order_share,
        price_mention_count,
        rejected_refund_count,
        slow_refund_count,
        after_sales_case_count,
        detractor_answer_count,
        service_complaint_count,
        last_order_refunded,
        new_category_share,
        aged_out_spend_share,
        stopped_category_count,
        need_change_mention_count
    from chosen

)

select * from final
