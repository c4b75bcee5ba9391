{#- One row per line item of each order's latest version. -#}
with

source as (
    select
        order_id,
        updated_at,
        currency,
        line_items,
        _loaded_at,
        _source_file,
        _line_number
    from {{ source('shop', 'shop_orders') }}
),

versions_ranked as (
    select
        *,
        row_number() over (
            partition by order_id
            order by
                updated_at desc,
                _loaded_at desc,
                _source_file desc,
                _line_number desc
        ) as version_rank
    from source
),

lines_flattened as (
    select
        versions_ranked.order_id,
        versions_ranked.currency,
        items.line_item,
        items.line_position
    from versions_ranked
    cross join
        lateral {{ json_array_elements('versions_ranked.line_items') }}
        with ordinality as items (line_item, line_position)
    where versions_ranked.version_rank = 1
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
        upper(currency) as currency
    from lines_flattened
)

select * from lines_renamed
