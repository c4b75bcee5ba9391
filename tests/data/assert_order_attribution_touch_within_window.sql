{#- Attributed orders whose touch is after the order or older than its window
    (`attribution__click_window_days` for clicks, `attribution__open_window_days` for
    opens), or that were cancelled. -#}
with

order_attributions as (
    select
        order_id,
        touch_type,
        touch_at,
        ordered_at
    from {{ ref('fct_order_attributions') }}
),

orders as (
    select
        order_id,
        is_cancelled
    from {{ ref('fct_orders') }}
),

attributions_outside_window as (
    select
        order_attributions.order_id,
        order_attributions.touch_type,
        order_attributions.touch_at,
        order_attributions.ordered_at,
        orders.is_cancelled
    from order_attributions
    left join orders
        on order_attributions.order_id = orders.order_id
    where
        order_attributions.touch_at > order_attributions.ordered_at
        or (
            order_attributions.touch_type = 'click'
            and order_attributions.touch_at < {{ dbt.dateadd(
                'day',
                -var('attribution__click_window_days'),
                'order_attributions.ordered_at',
            ) }}
        )
        or (
            order_attributions.touch_type = 'open'
            and order_attributions.touch_at < {{ dbt.dateadd(
                'day',
                -var('attribution__open_window_days'),
                'order_attributions.ordered_at',
            ) }}
        )
        or coalesce(orders.is_cancelled, true)
)

select * from attributions_outside_window
