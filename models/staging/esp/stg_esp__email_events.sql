{#- One row per email event (sg_event_id), re-deliveries of the webhook removed.
    Incremental: a run reads the messages (sg_message_id) with events loaded since the
    latest load time the table holds, less the lookback (var
    incremental__lookback_hours.esp), and recomputes every event of those messages from
    all its deliveries, replacing its row: bot clicks depend on the message's delivery. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='email_event_id',
        on_schema_change='fail',
        indexes=indexes_on_postgres([
            {'columns': ['email_event_id']},
            {'columns': ['loaded_at']},
            {'columns': ['email']},
            {'columns': ['message_id']}
        ])
    )
}}

with

-- read several times once the CTEs below are inlined: not materialized, or DuckDB keeps a
-- copy of every raw row (at 1M customers under a 3 GB limit, 35 GB of spill)
source as not materialized (
    select
        sg_event_id,
        sg_message_id,
        email,
        {{ adapter.quote('timestamp') }} as event_epoch,
        event,
        {{ adapter.quote('type') }} as bounce_type,
        campaign_id,
        variant,
        category,
        useragent,
        ip,
        url,
        sg_machine_open,
        reason,
        status,
        attempt,
        asm_group_id,
        _loaded_at,
        _source_file,
        _line_number
    from {{ source('esp', 'esp_email_events') }}
),

-- on an incremental run, every delivery of every event of the messages with events
-- loaded since the latest load time this table holds, less the lookback (all while
-- the table is empty), so that the first delivery wins and a click is timed from its
-- message's delivery as on a full build (an event id belongs to one message)
events_in_scope as not materialized (
    {{ rows_in_incremental_scope(
        'source', 'sg_message_id', source('esp', 'esp_email_events'), 'esp'
    ) }}
),

events_ranked as (
    -- the first delivery of each sg_event_id (first_deliveries: dispatched)
    {{ first_deliveries('events_in_scope', 'sg_event_id') }}
),

events_renamed as (
    select
        sg_event_id as email_event_id,
        sg_message_id as message_id,
        {{ normalize_email('email') }} as email,
        {{ epoch_to_timestamp('event_epoch') }} as occurred_at,
        event as platform_event_type,
        {{ esp_event_type('event', 'bounce_type') }} as event_type,
        campaign_id,
        variant as campaign_variant,
        category as categories,
        useragent as user_agent,
        ip as ip_address,
        url as clicked_url,
        sg_machine_open as is_platform_machine_open,
        reason as event_reason,
        status as smtp_status,
        attempt as delivery_attempt,
        asm_group_id as unsubscribe_group_id,
        _loaded_at as loaded_at
    from events_ranked
),

clicked_messages as (
    -- the messages with a click: a click is the only event timed from its message's
    -- delivery, so only these messages' deliveries are looked up (every message's
    -- made the hash table of the join below 20 times larger: 5 s more on Postgres at
    -- 100k customers)
    select sg_message_id
    from events_in_scope
    where {{ esp_event_type('event', 'bounce_type') }} = 'click'
),

message_deliveries as (
    -- each clicked message's first delivery, read from the raw rows (a re-delivered
    -- webhook repeats the same time); an aggregate and a join, not a window over every
    -- column
    select
        sg_message_id as message_id,
        min({{ epoch_to_timestamp('event_epoch') }}) as message_delivered_at
    from events_in_scope
    where
        {{ esp_event_type('event', 'bounce_type') }} = 'deliver'
        and sg_message_id in (select clicked_messages.sg_message_id from clicked_messages)
    group by sg_message_id
),

events_with_delivery as (
    select
        events_renamed.*,
        message_deliveries.message_delivered_at
    from events_renamed
    left join message_deliveries
        on events_renamed.message_id = message_deliveries.message_id
),

events_flagged as (
    select
        email_event_id,
        message_id,
        email,
        occurred_at,
        platform_event_type,
        event_type,
        campaign_id,
        campaign_variant,
        categories,
        user_agent,
        ip_address,
        clicked_url,
        event_reason,
        smtp_status,
        delivery_attempt,
        unsubscribe_group_id,
        {{ is_machine_open('event_type', 'is_platform_machine_open', 'user_agent') }}
            as is_machine_open,
        {{ is_bot_click(
            'event_type', 'user_agent', 'message_delivered_at', 'occurred_at'
        ) }} as is_bot_click,
        loaded_at
    from events_with_delivery
)

select * from events_flagged
