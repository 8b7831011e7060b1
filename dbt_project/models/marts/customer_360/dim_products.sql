{#- One row per product (merchant code, 商家编码) sold or listed: the ERP's name, category and
    prices where the product list has it, and what was sold up to the as-of day. -#}
with

products as (

    select * from {{ ref('stg_erp__products') }}

),

lines as (

    select * from {{ ref('fct_order_lines') }}

),

sales as (

    select
        merchant_code,
        max(product_name) as any_title,
        min(created_at) as first_sold_at,
        max(created_at) as last_sold_at,
        count(distinct case when is_purchase then order_id end) as purchase_orders,
        sum(case when is_purchase then quantity else 0 end) as units_sold,
        sum(case when is_purchase then line_paid_amount else 0 end) as paid_amount,
        count(distinct case when is_purchase then customer_id end) as buyers
    from lines
    where merchant_code is not null
    group by merchant_code

),

codes as (

    select merchant_code from products
    union
    select merchant_code from sales

),

final as (

    select
        codes.merchant_code,
        coalesce(products.product_name, sales.any_title) as product_name,
        coalesce(products.category_name, 'unknown') as category_name,
        products.brand_name,
        products.list_price,
        products.cost_price,
        products.merchant_code is not null as is_in_product_list,
        sales.first_sold_at,
        sales.last_sold_at,
        cast(coalesce(sales.purchase_orders, 0) as integer) as purchase_orders,
        cast(coalesce(sales.units_sold, 0) as integer) as units_sold,
        cast(coalesce(sales.paid_amount, 0) as decimal(18, 2)) as paid_amount,
        cast(coalesce(sales.buyers, 0) as integer) as buyers
    from codes
    left join products
        on codes.merchant_code = products.merchant_code
    left join sales
        on codes.merchant_code = sales.merchant_code

)

select * from final
