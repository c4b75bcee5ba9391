{#- One row per raw table and key found in its `_extra` column (keys a record had beyond
    the table's declared columns): when and in which batch the key was first and last
    loaded, and how many rows carry it. The one staging model over several raw tables:
    `_extra` describes the landing format itself, and the other staging models drop it. -#}

{#- (source, raw table) of every table the loader writes with an `_extra` column -#}
{%- set raw_tables = [
    ('crm', 'crm_customer_changes'),
    ('shop', 'shop_orders'),
    ('shop', 'shop_checkouts'),
    ('shop', 'shop_products'),
    ('shop', 'shop_loyalty_ledger'),
    ('esp', 'esp_email_events'),
    ('esp', 'esp_campaigns'),
    ('tracking', 'tracking_events'),
    ('enrichment', 'enrichment_profiles'),
    ('privacy', 'consent_events'),
    ('privacy', 'privacy_requests'),
] -%}

with

{#- Rows that carry the same `_extra` in one batch are counted together first: a vendor's
    extra field usually has a few values (SendGrid's `response` on 1.3 million delivered
    events at 100k customers is "250 OK"), so the keys are listed once per distinct
    document and batch instead of once per row. -#}
{% for source_name, table_name in raw_tables %}
    {{ table_name }} as (
        select
            _extra,
            _batch_id,
            min(_loaded_at) as first_loaded_at,
            max(_loaded_at) as last_loaded_at,
            count(*) as row_count
        from {{ source(source_name, table_name) }}
        where _extra is not null
        group by _extra, _batch_id
    ),
{% endfor %}

extra_keys_unnested as (
    {%- for source_name, table_name in raw_tables %}
        select
            '{{ table_name }}' as table_name,
            extra_keys.extra_key,
            raw_rows._batch_id as batch_id,
            {{ to_utc('raw_rows.first_loaded_at') }} as first_loaded_at,
            {{ to_utc('raw_rows.last_loaded_at') }} as last_loaded_at,
            raw_rows.row_count
        from {{ table_name }} as raw_rows
        cross join
            lateral {{ json_object_keys('raw_rows._extra') }} as extra_keys (extra_key)
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

extra_keys_listed as (
    select
        table_name,
        cast(extra_key as {{ dbt.type_string() }}) as extra_key,
        min(first_loaded_at) as first_loaded_at,
        max(last_loaded_at) as last_loaded_at,
        min(batch_id) as first_batch_id,
        max(batch_id) as last_batch_id,
        cast(sum(row_count) as {{ dbt.type_bigint() }}) as row_count
    from extra_keys_unnested
    group by table_name, extra_key
)

select * from extra_keys_listed
