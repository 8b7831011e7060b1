{#- Identity v1: which customer each buyer identifier belongs to.

    Two identifiers belong to one customer when an order carries both (a buyer nick and the
    receiver's mobile), transitively. Phones are keyed-hash pseudonyms. Excluded from linking:
    masked nicks (t**1), virtual and landline numbers (they expire or are shared), and any phone
    seen with more than `identity_max_nicks_per_phone` nicks (a family, office or placeholder
    phone would glue strangers together). Everything downstream reads this model's output, so the
    graph-based resolution of a later issue replaces only this file.

    The closure below is the plain recursive one: fine for the small components that remain
    once hub phones are cut, and portable to PostgreSQL. -#}
with recursive

orders as (

    select * from {{ ref('int_orders_unioned') }}

),

observations as (

    select
        order_id,
        'taobao_nick' as identifier_type,
        buyer_nick as identifier_value
    from orders
    where buyer_nick is not null and buyer_nick <> '' and buyer_nick not like '%*%'

    union all

    select
        order_id,
        'phone_hmac' as identifier_type,
        receiver_mobile_hmac as identifier_value
    from orders
    where receiver_mobile_hmac is not null and receiver_mobile_kind = 'mobile'

),

nick_phone_pairs as (

    select distinct
        nick.identifier_value as buyer_nick,
        phone.identifier_value as phone_hmac
    from observations as nick
    inner join observations as phone
        on nick.order_id = phone.order_id
    where nick.identifier_type = 'taobao_nick'
      and phone.identifier_type = 'phone_hmac'

),

hub_phones as (

    select phone_hmac
    from nick_phone_pairs
    group by phone_hmac
    having count(*) > {{ var('identity_max_nicks_per_phone') }}

),

nodes as (

    select distinct
        identifier_type,
        identifier_value,
        identifier_type || ':' || identifier_value as node
    from observations
    where not (
        identifier_type = 'phone_hmac'
        and identifier_value in (select phone_hmac from hub_phones)
    )

),

edges as (

    select
        'taobao_nick:' || buyer_nick as from_node,
        'phone_hmac:' || phone_hmac as to_node
    from nick_phone_pairs
    where phone_hmac not in (select phone_hmac from hub_phones)

    union

    select
        'phone_hmac:' || phone_hmac as from_node,
        'taobao_nick:' || buyer_nick as to_node
    from nick_phone_pairs
    where phone_hmac not in (select phone_hmac from hub_phones)

),

reachable (node, reached_from) as (

    select node, node from nodes

    union

    select edges.to_node, reachable.reached_from
    from reachable
    inner join edges
        on reachable.node = edges.from_node

),

components as (

    select
        node,
        min(reached_from) as component_key
    from reachable
    group by node

),

final as (

    select
        nodes.identifier_type,
        nodes.identifier_value,
        'C' || substr({{ dbt.hash('components.component_key') }}, 1, 15) as customer_id
    from nodes
    inner join components
        on nodes.node = components.node

)

select * from final
