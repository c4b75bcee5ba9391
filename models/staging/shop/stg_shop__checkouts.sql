{#- One row per checkout at its latest version; abandoned when never completed. -#}
with

source as (
    select
        checkout_id,
        shop_customer_id,
        email,
        created_at,
        updated_at,
        completed_at,
        currency,
        total_amount,
        line_items,
        abandoned_checkout_url,
        _loaded_at,
        _source_file,
        _line_number
    from {{ source('shop', 'shop_checkouts') }}
),

versions_ranked as (
    select
        *,
        row_number() over (
            partition by checkout_id
            order by
                updated_at desc,
                _loaded_at desc,
                _source_file desc,
                _line_number desc
        ) as version_rank
    from source
),

checkouts_renamed as (
    select
        checkout_id,
        {{ identity_value('shop_customer_id') }} as shop_customer_id,
        {{ normalize_email('email') }} as email,
        {{ to_utc('created_at') }} as started_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc('completed_at') }} as completed_at,
        completed_at is null as is_abandoned,
        upper(currency) as currency,
        total_amount,
        coalesce({{ json_array_length('line_items') }}, 0) as line_item_count,
        line_items,
        abandoned_checkout_url
    from versions_ranked
    where version_rank = 1
)

select * from checkouts_renamed
