{#- One row per message sent to a recipient, with outcome flags and response times. -#}
with

sends as (
    select * from {{ ref('int_email_sends_aggregated') }}
),

sends_measured as (
    select
        message_id,
        email,
        campaign_id,
        campaign_variant,
        coalesce(sent_at, delivered_at, first_event_at) as sent_at,
        delivered_at,
        first_human_open_at,
        first_human_click_at,
        delivered_at is not null as is_delivered,
        first_human_open_at is not null as is_opened,
        machine_open_count > 0 as has_machine_open,
        first_human_click_at is not null as is_clicked,
        is_hard_bounced or is_soft_bounced as is_bounced,
        is_hard_bounced,
        is_unsubscribed,
        is_complained,
        human_open_count,
        human_click_count,
        bot_click_count,
        cast(
            {{ dbt.datediff('delivered_at', 'first_human_open_at', 'minute') }}
            as {{ dbt.type_bigint() }}
        ) as minutes_to_first_open,
        cast(
            {{ dbt.datediff('delivered_at', 'first_human_click_at', 'minute') }}
            as {{ dbt.type_bigint() }}
        ) as minutes_to_first_click
    from sends
)

select * from sends_measured
