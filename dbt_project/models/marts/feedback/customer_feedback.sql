{#- One row per piece of feedback a customer chose or wrote: a refund's reason (退款报表, TOP
    API), an ERP after-sales case's reason (售后单 退换原因) and a survey comment (意见建议), with
    the customer, the order and product where known, the day, and the text's key: the MD5 of
    the text, which feedback_text_keywords (jieba, in Python) keys its matches by.

    A return can be both a platform refund and an ERP after-sales case: both are kept, each is
    feedback its system recorded; measures that count customers or orders count them once.
    The ERP's cases of ERP-only orders appear in fct_refunds too (source_system erp); here they
    come from the after-sales export alone. -#}
with

refunds as (

    select * from {{ ref('fct_refunds') }}
    where source_system <> 'erp'

),

after_sales as (

    select * from {{ ref('stg_erp__after_sales') }}

),

erp_orders as (

    select erp_order_no, order_id from {{ ref('int_erp_orders') }}

),

orders as (

    select order_id, customer_id from {{ ref('fct_orders') }}

),

surveys as (

    select * from {{ ref('survey_responses') }}

),

products as (

    select merchant_code, category_name from {{ ref('dim_products') }}

),

refund_reasons as (

    select
        'refund' as feedback_source,
        refund_id as feedback_id,
        order_id,
        customer_id,
        merchant_code,
        cast(applied_at as date) as feedback_date,
        refund_reason as feedback_text,
        refund_state,
        hours_to_finish,
        cast(null as integer) as survey_score
    from refunds

),

after_sales_reasons as (

    select
        'after_sales' as feedback_source,
        after_sales.after_sales_no as feedback_id,
        coalesce(erp_orders.order_id, after_sales.platform_order_id) as order_id,
        orders.customer_id,
        after_sales.merchant_code,
        cast(after_sales.applied_at as date) as feedback_date,
        after_sales.refund_reason as feedback_text,
        after_sales.refund_state,
        cast(
            {{ dbt.datediff('after_sales.applied_at', 'after_sales.finished_at', 'hour') }}
            as integer
        ) as hours_to_finish,
        cast(null as integer) as survey_score
    from after_sales
    left join erp_orders
        on after_sales.erp_order_no = erp_orders.erp_order_no
    left join orders
        on coalesce(erp_orders.order_id, after_sales.platform_order_id) = orders.order_id

),

survey_comments as (

    select
        'survey' as feedback_source,
        response_key as feedback_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as merchant_code,
        answered_date as feedback_date,
        comment as feedback_text,
        cast(null as {{ dbt.type_string() }}) as refund_state,
        cast(null as integer) as hours_to_finish,
        cast(score as integer) as survey_score
    from surveys

),

unioned as (

    select * from refund_reasons
    union all
    select * from after_sales_reasons
    union all
    select * from survey_comments

),

final as (

    select
        unioned.feedback_source || ':' || unioned.feedback_id as feedback_key,
        unioned.feedback_source,
        unioned.feedback_id,
        unioned.order_id,
        unioned.customer_id,
        unioned.merchant_code,
        products.category_name,
        unioned.feedback_date,
        unioned.feedback_text,
        {{ dbt.hash('unioned.feedback_text') }} as text_key,
        unioned.refund_state,
        unioned.hours_to_finish,
        unioned.survey_score
    from unioned
    left join products
        on unioned.merchant_code = products.merchant_code
    where unioned.feedback_text is not null
        and trim(unioned.feedback_text) <> ''
        and unioned.feedback_date <= {{ as_of_date() }}

)

select * from final
