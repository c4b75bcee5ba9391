{#- One row per loyalty ledger entry; points are signed (earned positive). -#}
with

source as (
    select
        entry_id,
        shop_customer_id,
        email,
        occurred_at,
        points,
        reason,
        order_id,
        _loaded_at,
        _source_file,
        _line_number
    from {{ source('shop', 'shop_loyalty_ledger') }}
),

entries_ranked as (
    select
        *,
        row_number() over (
            partition by entry_id
            order by _loaded_at, _source_file, _line_number
        ) as delivery_rank
    from source
),

entries_renamed as (
    select
        entry_id as loyalty_entry_id,
        {{ identity_value('shop_customer_id') }} as shop_customer_id,
        {{ normalize_email('email') }} as email,
        {{ to_utc('occurred_at') }} as occurred_at,
        points as points_count,
        reason as entry_reason,
        order_id
    from entries_ranked
    where delivery_rank = 1
)

select * from entries_renamed
