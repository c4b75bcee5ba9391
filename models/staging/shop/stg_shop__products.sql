{#- One row per product, the latest catalogue export winning. -#}
with

source as (
    select
        product_id,
        sku,
        title,
        category,
        brand,
        price,
        currency,
        created_at,
        is_active,
        _loaded_at,
        _source_file,
        _line_number
    from {{ source('shop', 'shop_products') }}
),

products_ranked as (
    select
        *,
        row_number() over (
            partition by product_id
            order by _loaded_at desc, _source_file desc, _line_number desc
        ) as version_rank
    from source
),

products_renamed as (
    select
        product_id,
        sku,
        title as product_name,
        category as product_category,
        brand as product_brand,
        price as list_price_amount,
        upper(currency) as list_price_currency,
        {{ to_utc('created_at') }} as created_at,
        coalesce(is_active, true) as is_active
    from products_ranked
    where version_rank = 1
)

select * from products_renamed
