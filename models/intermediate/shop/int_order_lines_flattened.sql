{#- One row per line item of each order (the order's latest version). -#}
with

orders as (
    select
        order_id,
        currency,
        line_items
    from {{ ref('stg_shop__orders') }}
),

lines_flattened as (
    select
        orders.order_id,
        orders.currency,
        items.line_item,
        items.line_position
    from orders
    cross join
        lateral {{ json_array_elements('orders.line_items') }}
        with ordinality as items (line_item, line_position)
),

lines_renamed as (
    select
        {{ dbt.concat(["order_id", "':'", json_get_text('line_item', 'line_item_id')]) }}
            as order_line_id,
        order_id,
        {{ json_get_text('line_item', 'line_item_id') }} as line_item_id,
        cast(line_position as {{ dbt.type_bigint() }}) as line_position,
        {{ json_get_text('line_item', 'product_id') }} as product_id,
        {{ json_get_text('line_item', 'sku') }} as sku,
        cast({{ json_get_text('line_item', 'quantity') }} as {{ dbt.type_bigint() }})
            as quantity,
        cast({{ json_get_text('line_item', 'unit_price') }} as {{ dbt.type_numeric() }})
            as unit_price_amount,
        coalesce(
            cast(
                {{ json_get_text('line_item', 'discount_amount') }}
                as {{ dbt.type_numeric() }}
            ),
            0
        ) as discount_amount,
        currency
    from lines_flattened
)

select * from lines_renamed
