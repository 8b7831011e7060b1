{#- One row per status line of every send report the shop dropped (an SMS platform's 发送记录,
    or any channel's receipts), its status read into delivered / failed / pending / unknown:
    words in Chinese or English, 阿里云's sendStatus digits (QuerySendDetails: 3 发送成功,
    2 发送失败, 1 等待回执), its status report's success flag (true/false), and its error code
    DELIVERED. The send key is the one the outbox wrote (the message's external id, OutId). -#}
with

source as (

    select * from {{ source('raw', 'delivery_receipts') }}

),

renamed as (

    select
        -- which action
        send_key,
        customer_id,
        lower(coalesce(channel, 'sms')) as channel,
        -- what became of it
        status as status_text,
        case
            when status like '%成功%' or status like '%送达%' or upper(error_code) = 'DELIVERED'
                or lower(status) in ('delivrd', 'delivered', 'success', 'succeeded', 'read', 'true', '3')
                then 'delivered'
            when status like '%失败%' or status like '%拒%'
                or lower(status) in ('undeliv', 'undelivered', 'failed', 'fail', 'rejectd', 'rejected', 'expired', 'error', 'blacklist', 'false', '2')
                then 'failed'
            when status like '%中%' or status like '%等待%'
                or lower(status) in ('pending', 'sending', 'submitted', 'accepted', 'enroute', '1')
                then 'pending'
            else 'unknown'
        end as delivery_status,
        error_code,
        sent_at,
        coalesce(status_at, sent_at, _loaded_at) as status_at,
        -- lineage
        _source_file as source_file,
        _source_line as source_line
    from source

)

select * from renamed
