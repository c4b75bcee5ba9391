{#- One row per tracking call (messageId), duplicate deliveries removed, with the event
    time corrected for the device's clock and the properties and context flattened.
    Incremental: a run reads the messageIds loaded since the latest load time the table
    holds, less the lookback (var incremental__lookback_hours.tracking), and recomputes
    each of them from all its deliveries, replacing its row. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='tracking_event_id',
        on_schema_change='fail',
        indexes=indexes_on_postgres([
            {'columns': ['tracking_event_id']},
            {'columns': ['loaded_at']},
            {'columns': ['user_id']},
            {'columns': ['anonymous_id']}
        ])
    )
}}

{%- set property_paths = [
    'product_id', 'category', 'brand', 'price', 'query', 'order_id', 'checkout_id'
] -%}
{%- set context_paths = [
    'ip', 'userAgent', 'locale', 'timezone', 'device.type', 'page.url', 'page.path',
    'page.referrer', 'campaign.source', 'campaign.medium', 'campaign.name'
] -%}
with

-- read several times once the CTEs below are inlined: not materialized, or DuckDB keeps a
-- copy of every raw row (at 1M customers under a 3 GB limit, 35 GB of spill)
source as not materialized (
    select
        message_id,
        {{ adapter.quote('type') }} as call_type,
        anonymous_id,
        user_id,
        event,
        name,
        properties,
        traits,
        context,
        {{ adapter.quote('timestamp') }} as device_timestamp,
        sent_at,
        received_at,
        _loaded_at,
        _source_file,
        _line_number
    from {{ source('tracking', 'tracking_events') }}
),

-- on an incremental run, every delivery of the calls loaded since the latest load
-- time this table holds, less the lookback (all while the table is empty), so that
-- the first delivery wins as on a full build
calls_in_scope as not materialized (
    {{ rows_in_incremental_scope(
        'source', 'message_id', source('tracking', 'tracking_events'), 'tracking'
    ) }}
),

calls_ranked as (
    -- the first delivery of each message_id (first_deliveries: dispatched)
    {{ first_deliveries('calls_in_scope', 'message_id') }}
),

calls_timed as (
    -- The device clock may be wrong, but the time between the event and its sending is
    -- right on the device: the server's receipt minus that delay is the event time.
    -- In UTC first: arithmetic on plain timestamps is cheaper than with a time zone.
    select
        *,
        {{ to_utc('received_at') }} as received_utc,
        {{ to_utc('sent_at') }} as sent_utc,
        {{ to_utc('device_timestamp') }} as device_utc
    from calls_ranked
),

calls_parsed as (
    -- each JSON document parsed once for all its paths (json_get_texts)
    select
        *,
        received_utc - (sent_utc - device_utc) as corrected_utc,
        {{ json_get_texts('properties', property_paths) }} as property_texts,
        {{ json_get_texts('context', context_paths) }} as context_texts
    from calls_timed
),

calls_renamed as (
    select
        message_id as tracking_event_id,
        call_type,
        case
            when call_type = 'track' then event
            when call_type = 'page' then 'Page Viewed'
            else 'Identify'
        end as event_name,
        name as page_name,
        {{ identity_value('anonymous_id') }} as anonymous_id,
        {{ identity_value('user_id') }} as user_id,
        {{ normalize_email(json_get_text('traits', 'email')) }} as identified_email,
        corrected_utc as occurred_at,
        device_utc as device_occurred_at,
        received_utc as received_at,
        cast(
            {{ dbt.datediff('received_utc', 'sent_utc', 'second') }}
            as {{ dbt.type_bigint() }}
        ) as clock_skew_seconds,
        {{ json_text_from('property_texts', property_paths, 'product_id') }}
            as product_id,
        {{ json_text_from('property_texts', property_paths, 'category') }}
            as product_category,
        {{ json_text_from('property_texts', property_paths, 'brand') }} as product_brand,
        cast(
            {{ json_text_from('property_texts', property_paths, 'price') }}
            as {{ dbt.type_numeric() }}
        ) as product_price_amount,
        {{ json_text_from('property_texts', property_paths, 'query') }} as search_query,
        {{ json_text_from('property_texts', property_paths, 'order_id') }} as order_id,
        {{ json_text_from('property_texts', property_paths, 'checkout_id') }}
            as checkout_id,
        properties,
        {{ json_text_from('context_texts', context_paths, 'ip') }} as ip_address,
        {{ json_text_from('context_texts', context_paths, 'userAgent') }} as user_agent,
        {{ json_text_from('context_texts', context_paths, 'locale') }} as locale_code,
        {{ json_text_from('context_texts', context_paths, 'timezone') }} as time_zone,
        lower({{ json_text_from('context_texts', context_paths, 'device.type') }})
            as device_type,
        {{ json_text_from('context_texts', context_paths, 'page.url') }} as page_url,
        {{ json_text_from('context_texts', context_paths, 'page.path') }} as page_path,
        {{ json_text_from('context_texts', context_paths, 'page.referrer') }}
            as page_referrer,
        lower({{ json_text_from('context_texts', context_paths, 'campaign.source') }})
            as utm_source,
        lower({{ json_text_from('context_texts', context_paths, 'campaign.medium') }})
            as utm_medium,
        {{ json_text_from('context_texts', context_paths, 'campaign.name') }}
            as utm_campaign,
        {{ contains_any(
            json_text_from('context_texts', context_paths, 'userAgent'),
            var('tracking__bot_user_agents')
        ) }} as is_bot,
        _loaded_at as loaded_at
    from calls_parsed
)

select * from calls_renamed
