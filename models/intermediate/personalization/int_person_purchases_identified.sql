{#- One row per order line a person kept (net units above zero): the product, its
    category and brand, the order and its date, keyed to the buyer's person (shop account
    first, then email, from int_orders_keyed). Lines of guests no identifier links to a
    person are left out. -#}
with

order_lines as (
    select
        order_line_id,
        order_id,
        product_id,
        ordered_at,
        net_quantity
    from {{ ref('int_order_lines_netted') }}
    where net_quantity > 0
),

orders_keyed as (
    select
        order_id,
        person_id
    from {{ ref('int_orders_keyed') }}
),

products as (
    select
        product_id,
        product_category,
        product_brand
    from {{ ref('stg_shop__products') }}
),

lines_identified as (
    select
        order_lines.order_line_id,
        orders_keyed.person_id,
        order_lines.order_id,
        order_lines.product_id,
        products.product_category,
        products.product_brand,
        order_lines.ordered_at,
        cast(order_lines.ordered_at as date) as ordered_date,
        order_lines.net_quantity
    from order_lines
    inner join orders_keyed
        on order_lines.order_id = orders_keyed.order_id
    left join products
        on order_lines.product_id = products.product_id
),

purchases_identified as (
    select *
    from lines_identified
    where person_id is not null
)

select * from purchases_identified
