{#- One row per order line a person kept (net units above zero): the product, its
    category and brand, the order and its date, keyed to the buyer's person (shop account
    first, then email, as in fct_order_lines). Lines of guests no identifier links to a
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

orders as (
    select
        order_id,
        shop_customer_id,
        email
    from {{ ref('stg_shop__orders') }}
),

products as (
    select
        product_id,
        product_category,
        product_brand
    from {{ ref('stg_shop__products') }}
),

person_keys as (
    select
        identifier_node,
        person_id
    from {{ ref('int_identity_person_keys_assigned') }}
),

lines_identified as (
    select
        order_lines.order_line_id,
        coalesce(customer_keys.person_id, email_keys.person_id) as person_id,
        order_lines.order_id,
        order_lines.product_id,
        products.product_category,
        products.product_brand,
        order_lines.ordered_at,
        cast(order_lines.ordered_at as date) as ordered_date,
        order_lines.net_quantity
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    left join products
        on order_lines.product_id = products.product_id
    left join person_keys as customer_keys
        on
            customer_keys.identifier_node
            = {{ identity_node('shop_customer_id', 'orders.shop_customer_id') }}
    left join person_keys as email_keys
        on email_keys.identifier_node = {{ identity_node('email', 'orders.email') }}
),

purchases_identified as (
    select *
    from lines_identified
    where person_id is not null
)

select * from purchases_identified
