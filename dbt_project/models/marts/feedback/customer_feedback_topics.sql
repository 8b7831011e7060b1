{{ config(tags=['activation']) }}
{#- One row per piece of feedback and topic it raises: the shop's keywords (seed
    feedback_keywords) that jieba found in its text (source feedback_text_keywords, written by
    a Python asset after the first dbt step, hence the activation step), grouped into the
    topics of seed feedback_topic_reasons, each with the churn reason it speaks for. Feedback that
    says no keyword has no row. -#}
with

texts as (

    select * from {{ ref('customer_feedback') }}

),

matches as (

    select * from {{ source('feedback', 'feedback_text_keywords') }}

),

keywords as (

    select * from {{ ref('feedback_keywords') }}

),

topics as (

    select * from {{ ref('feedback_topic_reasons') }}

),

final as (

    select
        texts.feedback_key,
        texts.feedback_source,
        texts.customer_id,
        texts.order_id,
        texts.merchant_code,
        texts.category_name,
        texts.feedback_date,
        topics.topic,
        topics.topic_cn,
        topics.churn_reason,
        cast(count(*) as integer) as keyword_count
    from texts
    inner join matches
        on texts.text_key = matches.text_key
    inner join keywords
        on matches.keyword = keywords.keyword
    inner join topics
        on keywords.topic = topics.topic
    group by
        texts.feedback_key,
        texts.feedback_source,
        texts.customer_id,
        texts.order_id,
        texts.merchant_code,
        texts.category_name,
        texts.feedback_date,
        topics.topic,
        topics.topic_cn,
        topics.churn_reason

)

select * from final
