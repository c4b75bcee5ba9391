{#- One row per refund of an order (from the order's latest version). -#}
with

orders as (
    select
        order_id,
        currency,
        refunds
    from {{ ref('stg_shop__orders') }}
),

refunds_flattened as (
    select
        orders.order_id,
        orders.currency,
        items.refund
    from orders
    cross join
        lateral {{ json_array_elements('orders.refunds') }}
        with ordinality as items (refund, refund_position)
),

refunds_renamed as (
    select
        {{ dbt.concat(["order_id", "':'", json_get_text('refund', 'refund_id')]) }}
            as order_refund_id,
        {{ json_get_text('refund', 'refund_id') }} as refund_id,
        order_id,
        {{ cast_timestamp_utc(json_get_text('refund', 'created_at')) }} as refunded_at,
        cast({{ json_get_text('refund', 'amount') }} as {{ dbt.type_numeric() }})
            as refund_amount,
        currency,
        {{ json_get('refund', 'line_items') }} as refunded_line_items
    from refunds_flattened
)

select * from refunds_renamed
