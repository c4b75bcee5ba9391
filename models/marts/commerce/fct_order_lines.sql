{#- One row per order line: units ordered, refunded and net, and gross, discount,
    refunded and net amounts in the order's currency and the reporting currency, with the
    product and the buyer's person key. A line of a cancelled order nets to zero. -#}
with

order_lines as (
    select
        order_line_id,
        order_id,
        line_item_id,
        line_position,
        product_id,
        sku,
        ordered_at,
        is_cancelled,
        ordered_quantity,
        refunded_quantity,
        net_quantity,
        unit_price_amount,
        gross_amount,
        discount_amount,
        refunded_amount,
        net_amount,
        currency
    from {{ ref('int_order_lines_netted') }}
),

orders_keyed as (
    select
        order_id,
        person_id,
        reporting_currency,
        rate_to_reporting
    from {{ ref('int_orders_keyed') }}
),

products as (
    select
        product_id,
        product_name,
        product_category,
        product_brand
    from {{ ref('stg_shop__products') }}
),

lines_joined as (
    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.line_item_id,
        order_lines.line_position,
        orders_keyed.person_id,
        order_lines.ordered_at,
        order_lines.product_id,
        order_lines.sku,
        products.product_name,
        products.product_category,
        products.product_brand,
        order_lines.is_cancelled,
        order_lines.ordered_quantity,
        order_lines.refunded_quantity,
        order_lines.net_quantity,
        order_lines.currency,
        order_lines.unit_price_amount,
        order_lines.gross_amount,
        order_lines.discount_amount,
        order_lines.refunded_amount,
        order_lines.net_amount,
        orders_keyed.reporting_currency,
        orders_keyed.rate_to_reporting
    from order_lines
    inner join orders_keyed
        on order_lines.order_id = orders_keyed.order_id
    left join products
        on order_lines.product_id = products.product_id
),

lines_converted as (
    select
        order_line_id,
        order_id,
        line_item_id,
        line_position,
        person_id,
        ordered_at,
        product_id,
        sku,
        product_name,
        product_category,
        product_brand,
        is_cancelled,
        ordered_quantity,
        refunded_quantity,
        net_quantity,
        currency,
        cast(unit_price_amount as numeric(28, 2)) as unit_price_amount,
        cast(gross_amount as numeric(28, 2)) as gross_amount,
        cast(discount_amount as numeric(28, 2)) as discount_amount,
        cast(refunded_amount as numeric(28, 2)) as refunded_amount,
        cast(net_amount as numeric(28, 2)) as net_amount,
        reporting_currency,
        {{ reporting_amount('gross_amount') }} as gross_reporting_amount,
        {{ reporting_amount('discount_amount') }} as discount_reporting_amount,
        {{ reporting_amount('refunded_amount') }} as refunded_reporting_amount,
        {{ reporting_amount('net_amount') }} as net_reporting_amount
    from lines_joined
)

select * from lines_converted
