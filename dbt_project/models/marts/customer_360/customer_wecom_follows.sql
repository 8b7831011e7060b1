{#- One row per customer and shop employee who follows them on WeCom: who can send them a WeCom
    task tonight, and since when. The outbox gives a customer's tasks to the employee who added
    them first. -#}
with

links as (

    select customer_id, id_value as external_userid
    from {{ ref('int_contact_ids_joined_to_customers') }}
    where id_type = 'wecom_external_userid'

),

follows as (

    select * from {{ ref('stg_wecom__follows') }}

),

final as (

    select
        links.customer_id,
        follows.employee_userid,
        min(follows.added_at) as added_at,
        count(distinct follows.external_userid) as external_contact_count
    from links
    inner join follows
        on links.external_userid = follows.external_userid
    where follows.employee_userid is not null
    group by links.customer_id, follows.employee_userid

)

select * from final
