{#- One row per refund of an order (from the order's latest version). -#}
with

source as (
    select
        order_id,
        updated_at,
        currency,
        refunds,
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

refunds_flattened as (
    select
        versions_ranked.order_id,
        versions_ranked.currency,
        items.refund
    from versions_ranked
    cross join
        lateral {{ json_array_elements('versions_ranked.refunds') }}
        with ordinality as items (refund, refund_position)
    where versions_ranked.version_rank = 1
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
        upper(currency) as currency,
        {{ json_get('refund', 'line_items') }} as refunded_line_items
    from refunds_flattened
)

select * from refunds_renamed
