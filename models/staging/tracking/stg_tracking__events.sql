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

with

source as (
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
calls_in_scope as (
    {{ rows_in_incremental_scope(
        'source', 'message_id', source('tracking', 'tracking_events'), 'tracking'
    ) }}
),

calls_ranked as (
    select
        *,
        row_number() over (
            partition by message_id
            order by _loaded_at, _source_file, _line_number
        ) as delivery_rank
    from calls_in_scope
),

calls_timed as (
    -- The device clock may be wrong, but the time between the event and its sending is
    -- right on the device: the server's receipt minus that delay is the event time.
    select
        *,
        received_at - (sent_at - device_timestamp) as corrected_at
    from calls_ranked
    where delivery_rank = 1
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
        nullif(anonymous_id, '') as anonymous_id,
        nullif(user_id, '') as user_id,
        {{ normalize_email(json_get_text('traits', 'email')) }} as identified_email,
        {{ to_utc('corrected_at') }} as occurred_at,
        {{ to_utc('device_timestamp') }} as device_occurred_at,
        {{ to_utc('received_at') }} as received_at,
        cast(
            {{ dbt.datediff(to_utc('received_at'), to_utc('sent_at'), 'second') }}
            as {{ dbt.type_bigint() }}
        ) as clock_skew_seconds,
        {{ json_get_text('properties', 'product_id') }} as product_id,
        {{ json_get_text('properties', 'category') }} as product_category,
        {{ json_get_text('properties', 'brand') }} as product_brand,
        cast({{ json_get_text('properties', 'price') }} as {{ dbt.type_numeric() }})
            as product_price_amount,
        {{ json_get_text('properties', 'query') }} as search_query,
        {{ json_get_text('properties', 'order_id') }} as order_id,
        {{ json_get_text('properties', 'checkout_id') }} as checkout_id,
        properties,
        {{ json_get_text('context', 'ip') }} as ip_address,
        {{ json_get_text('context', 'userAgent') }} as user_agent,
        {{ json_get_text('context', 'locale') }} as locale_code,
        {{ json_get_text('context', 'timezone') }} as time_zone,
        lower({{ json_get_text('context', 'device.type') }}) as device_type,
        {{ json_get_text('context', 'page.url') }} as page_url,
        {{ json_get_text('context', 'page.path') }} as page_path,
        {{ json_get_text('context', 'page.referrer') }} as page_referrer,
        lower({{ json_get_text('context', 'campaign.source') }}) as utm_source,
        lower({{ json_get_text('context', 'campaign.medium') }}) as utm_medium,
        {{ json_get_text('context', 'campaign.name') }} as utm_campaign,
        {{ contains_any(
            json_get_text('context', 'userAgent'), var('tracking__bot_user_agents')
        ) }} as is_bot,
        _loaded_at as loaded_at
    from calls_timed
)

select * from calls_renamed
