{#- One row per SMS reply (上行短信) the shop dropped; a reply that is an unsubscribe (TD, T,
    N, 退订, 退, 取消, STOP, unsubscribe, alone or with punctuation around it, any case) is
    flagged. Only a real mobile is matched to a customer. -#}
with

source as (

    select * from {{ source('raw', 'sms_replies') }}

),

renamed as (

    select
        -- who
        mobile_hmac,
        mobile_kind,
        -- what they said
        content,
        upper(trim(replace(replace(replace(replace(coalesce(content, ''), '。', ''), '.', ''), '!', ''), '！', '')))
            in ('TD', 'T', 'N', '退订', '退', '取消', '取消订阅', '退订短信', 'STOP', 'UNSUBSCRIBE', '0000')
            as is_opt_out,
        replied_at,
        cast(coalesce(replied_at, _loaded_at) as date) as replied_date,
        -- lineage
        _source_file as source_file,
        _source_line as source_line
    from source
    where mobile_hmac is not null

)

select * from renamed
