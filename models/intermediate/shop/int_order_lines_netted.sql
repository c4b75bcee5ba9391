{#- One row per order line, netted: units refunded (summed over the order's refunds,
    never more than were ordered) and what the line is worth after discounts, refunds and
    cancellation. A line of a cancelled order nets to zero units and zero amount. Amounts
    are in the order's currency, rounded to 2 decimals. -#}
with

lines as (
    select
        order_line_id,
        order_id,
        line_item_id,
        line_position,
        product_id,
        sku,
        quantity,
        unit_price_amount,
        discount_amount,
        currency
    from {{ ref('int_order_lines_flattened') }}
),

orders as (
    select
        order_id,
        ordered_at,
        cancelled_at,
        order_status
    from {{ ref('stg_shop__orders') }}
),

refund_lines as (
    select
        order_line_id,
        refunded_quantity
    from {{ ref('int_order_refund_lines_flattened') }}
),

refunds_summed as (
    select
        order_line_id,
        cast(sum(refunded_quantity) as {{ dbt.type_bigint() }}) as refunded_quantity
    from refund_lines
    group by order_line_id
),

lines_joined as (
    select
        lines.order_line_id,
        lines.order_id,
        lines.line_item_id,
        lines.line_position,
        lines.product_id,
        lines.sku,
        orders.ordered_at,
        {{ is_cancelled_order('orders.cancelled_at', 'orders.order_status') }}
            as is_cancelled,
        coalesce(lines.quantity, 0) as ordered_quantity,
        coalesce(refunds_summed.refunded_quantity, 0) as refund_claimed_quantity,
        lines.unit_price_amount,
        round(coalesce(lines.discount_amount, 0), 2) as discount_amount,
        lines.currency
    from lines
    inner join orders
        on lines.order_id = orders.order_id
    left join refunds_summed
        on lines.order_line_id = refunds_summed.order_line_id
),

quantities_netted as (
    select
        *,
        case
            when refund_claimed_quantity > ordered_quantity then ordered_quantity
            else refund_claimed_quantity
        end as refunded_quantity,
        round(
            cast(ordered_quantity * unit_price_amount as {{ dbt.type_numeric() }}), 2
        ) as gross_amount
    from lines_joined
),

amounts_netted as (
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
        case
            when is_cancelled then 0
            else ordered_quantity - refunded_quantity
        end as net_quantity,
        unit_price_amount,
        gross_amount,
        discount_amount,
        round(
            cast(
                cast(
                    (gross_amount - discount_amount) * refunded_quantity
                    as {{ dbt.type_numeric() }}
                ) / nullif(ordered_quantity, 0)
                as {{ dbt.type_numeric() }}
            ),
            2
        ) as refunded_amount,
        currency
    from quantities_netted
),

lines_netted as (
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
        round(coalesce(refunded_amount, 0), 2) as refunded_amount,
        round(
            case
                when is_cancelled then 0
                else gross_amount - discount_amount - coalesce(refunded_amount, 0)
            end,
            2
        ) as net_amount,
        currency
    from amounts_netted
)

select * from lines_netted
