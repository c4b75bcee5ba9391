{#- One row per line item of each refund: which order line it gives back and how many
    units. Quantities are summed per order line in int_order_lines_netted. -#}
with

refunds as (
    select
        order_refund_id,
        order_id,
        refund_id,
        refunded_at,
        refunded_line_items
    from {{ ref('int_order_refunds_flattened') }}
),

refund_lines_flattened as (
    select
        refunds.order_refund_id,
        refunds.order_id,
        refunds.refund_id,
        refunds.refunded_at,
        items.refund_line,
        items.refund_line_position
    from refunds
    cross join
        lateral {{ json_array_elements('refunds.refunded_line_items') }}
        with ordinality as items (refund_line, refund_line_position)
),

refund_lines_renamed as (
    select
        {{ dbt.concat([
            "order_refund_id",
            "':'",
            "cast(refund_line_position as " ~ dbt.type_string() ~ ")",
        ]) }} as order_refund_line_id,
        order_refund_id,
        order_id,
        refund_id,
        cast(refund_line_position as {{ dbt.type_bigint() }}) as refund_line_position,
        {{ dbt.concat([
            "order_id",
            "':'",
            json_get_text('refund_line', 'line_item_id'),
        ]) }} as order_line_id,
        {{ json_get_text('refund_line', 'line_item_id') }} as line_item_id,
        cast(
            {{ json_get_text('refund_line', 'quantity') }} as {{ dbt.type_bigint() }}
        ) as refunded_quantity,
        refunded_at
    from refund_lines_flattened
)

select * from refund_lines_renamed
