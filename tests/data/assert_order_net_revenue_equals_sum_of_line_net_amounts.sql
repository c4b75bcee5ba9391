{#- Orders whose net revenue is not the sum of their lines' net amounts. In the order's
    currency both come to cents from the same figures, so they may differ by at most
    0.01; in the reporting currency each line and the order are rounded on their own, so
    by at most a cent per line. Shipping and tax are on the order only and not revenue. -#}
with

orders as (
    select
        order_id,
        line_count,
        net_revenue_amount,
        net_revenue_reporting_amount
    from {{ ref('fct_orders') }}
),

order_lines as (
    select
        order_id,
        net_amount,
        net_reporting_amount
    from {{ ref('fct_order_lines') }}
),

lines_summed as (
    select
        order_id,
        sum(net_amount) as net_amount,
        sum(net_reporting_amount) as net_reporting_amount
    from order_lines
    group by order_id
),

orders_compared as (
    select
        orders.order_id,
        orders.line_count,
        orders.net_revenue_amount,
        coalesce(lines_summed.net_amount, 0) as lines_net_amount,
        orders.net_revenue_reporting_amount,
        coalesce(lines_summed.net_reporting_amount, 0) as lines_net_reporting_amount
    from orders
    left join lines_summed
        on orders.order_id = lines_summed.order_id
),

orders_mismatched as (
    select *
    from orders_compared
    where
        abs(net_revenue_amount - lines_net_amount) > 0.01
        or abs(net_revenue_reporting_amount - lines_net_reporting_amount)
        > 0.01 * (line_count + 1)
)

select * from orders_mismatched
