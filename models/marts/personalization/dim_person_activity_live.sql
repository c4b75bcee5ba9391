{#- One row per person with activity: dim_person_activity with its email fields brought
    up to date with the raw email events loaded since that table last took them in, so
    that a read between two micro-batches sees what arrived a moment ago (zero lag): the
    latest delivery, open and click, and the load time of a new unsubscribe, complaint or
    hard bounce (the payload drops the person at once). Raw rows go through the same
    rules as staging (event names, machine opens, link scanners); addresses identity
    resolution has not seen wait for the batch build. The other fields are the table's. -#}
{{ config(materialized='view') }}
with

activity as (
    select
        person_id,
        last_email_delivered_at,
        last_email_opened_at,
        last_email_clicked_at,
        last_email_stop_loaded_at,
        last_ordered_at,
        order_count,
        last_site_visit_at,
        last_viewed_product_id,
        engagement_score,
        recency_score,
        frequency_score,
        days_since_last_order,
        churn_risk_score,
        discount_sensitivity_score,
        population_order_gap_days,
        email_loaded_at,
        refreshed_at
    from {{ ref('dim_person_activity') }}
),

raw_email_events as (
    select
        sg_message_id,
        email,
        {{ adapter.quote('timestamp') }} as event_epoch,
        event,
        {{ adapter.quote('type') }} as bounce_type,
        useragent,
        sg_machine_open,
        _loaded_at
    from {{ source('esp', 'esp_email_events') }}
),

processed_email_events as (
    select
        message_id,
        event_type,
        occurred_at
    from {{ ref('stg_esp__email_events') }}
),

-- the people of the graph's addresses, by the address
email_keys as (
    {{ person_keys_of_type('email') }}
),

events_unprocessed as (
    -- the raw rows the table has not taken in yet (every row while it is empty)
    select
        raw_email_events.sg_message_id as message_id,
        {{ normalize_email('raw_email_events.email') }} as email,
        {{ esp_event_type('raw_email_events.event', 'raw_email_events.bounce_type') }}
            as event_type,
        {{ epoch_to_timestamp('raw_email_events.event_epoch') }} as occurred_at,
        raw_email_events.useragent as user_agent,
        raw_email_events.sg_machine_open as is_platform_machine_open,
        raw_email_events._loaded_at as loaded_at
    from raw_email_events
    -- past the table's watermark; every row while it is empty
    where {{ is_loaded_after_watermark(
        'raw_email_events._loaded_at', 'email_loaded_at', ref('dim_person_activity')
    ) }}
),

deliveries_listed as (
    -- the delivery of every message with a new click, processed or not (the scanner rule)
    select
        message_id,
        occurred_at
    from events_unprocessed
    where event_type = 'deliver'
    union all
    select
        processed_email_events.message_id,
        processed_email_events.occurred_at
    from processed_email_events
    where
        processed_email_events.event_type = 'deliver'
        and processed_email_events.message_id in (
            select clicks.message_id from events_unprocessed as clicks
            where clicks.event_type = 'click'
        )
),

messages_delivered as (
    select
        message_id,
        min(occurred_at) as delivered_at
    from deliveries_listed
    group by message_id
),

events_flagged as (
    select
        email_keys.person_id,
        events_unprocessed.event_type,
        events_unprocessed.occurred_at,
        events_unprocessed.loaded_at,
        {{ is_machine_open(
            'events_unprocessed.event_type',
            'events_unprocessed.is_platform_machine_open',
            'events_unprocessed.user_agent'
        ) }} as is_machine_open,
        {{ is_bot_click(
            'events_unprocessed.event_type',
            'events_unprocessed.user_agent',
            'messages_delivered.delivered_at',
            'events_unprocessed.occurred_at'
        ) }} as is_bot_click
    from events_unprocessed
    inner join email_keys
        on events_unprocessed.email = email_keys.identifier_value
    left join messages_delivered
        on events_unprocessed.message_id = messages_delivered.message_id
),

unprocessed_aggregated as (
    select
        person_id,
        max(case when event_type = 'deliver' then occurred_at end)
            as last_email_delivered_at,
        max(case when event_type = 'open' and not is_machine_open then occurred_at end)
            as last_email_opened_at,
        max(case when event_type = 'click' and not is_bot_click then occurred_at end)
            as last_email_clicked_at,
        max(
            case
                when {{ is_email_stop_event('event_type') }} then loaded_at
            end
        ) as last_email_stop_loaded_at,
        count(*) as unprocessed_event_count
    from events_flagged
    group by person_id
),

activity_combined as (
    select
        cast(
            coalesce(activity.person_id, unprocessed_aggregated.person_id) as varchar
        ) as person_id,
        greatest(
            activity.last_email_delivered_at,
            unprocessed_aggregated.last_email_delivered_at
        ) as last_email_delivered_at,
        greatest(
            activity.last_email_opened_at, unprocessed_aggregated.last_email_opened_at
        ) as last_email_opened_at,
        greatest(
            activity.last_email_clicked_at, unprocessed_aggregated.last_email_clicked_at
        ) as last_email_clicked_at,
        greatest(
            activity.last_email_stop_loaded_at,
            unprocessed_aggregated.last_email_stop_loaded_at
        ) as last_email_stop_loaded_at,
        activity.last_ordered_at,
        cast(coalesce(activity.order_count, 0) as {{ dbt.type_bigint() }}) as order_count,
        activity.last_site_visit_at,
        activity.last_viewed_product_id,
        activity.engagement_score,
        activity.recency_score,
        activity.frequency_score,
        activity.days_since_last_order,
        activity.churn_risk_score,
        activity.discount_sensitivity_score,
        activity.population_order_gap_days,
        activity.refreshed_at,
        cast(
            coalesce(unprocessed_aggregated.unprocessed_event_count, 0)
            as {{ dbt.type_bigint() }}
        ) as unprocessed_event_count
    from activity
    full outer join unprocessed_aggregated
        on activity.person_id = unprocessed_aggregated.person_id
)

select * from activity_combined
