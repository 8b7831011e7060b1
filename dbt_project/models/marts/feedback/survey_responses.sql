{#- One row per survey answer up to the as-of day, with the respondent's customer where known
    (the identity graph's, by member, phone, nick or unionid) and the NPS category. -#}
with

responses as (

    select * from {{ ref('stg_surveys__responses') }}
    where answered_at < {{ as_of_end_timestamp() }}

),

records as (

    select * from {{ ref('int_identity_records') }}

),

final as (

    select
        responses.response_key,
        records.customer_id,
        responses.survey_name,
        cast(responses.score as integer) as score,
        responses.nps_category,
        responses.comment,
        responses.answered_at,
        cast({{ dbt.date_trunc('day', 'responses.answered_at') }} as date) as answered_date,
        responses.channel
    from responses
    left join records
        on records.record_key = 'survey:' || responses.response_key

)

select * from final
