{#- One row per line of every do-not-contact list (勿扰名单) the shop dropped: once on a list,
    a person stays suppressed (a later list without them does not take them off). A line naming
    nobody (no customer id, nick or mobile) is dropped. -#}
with

source as (

    select * from {{ source('raw', 'do_not_contact') }}

),

renamed as (

    select
        -- who
        customer_id,
        taobao_nick,
        mobile_hmac,
        mobile_kind,
        -- why and since when
        reason,
        added_at,
        cast(coalesce(added_at, _loaded_at) as date) as added_date,
        -- lineage
        _source_file as source_file,
        _source_line as source_line
    from source
    where coalesce(customer_id, taobao_nick, mobile_hmac) is not null

)

select * from renamed
