{#- One row per message (recipient and send): the message's events rolled up. -#}
with

email_events as (
    select
        message_id,
        email,
        campaign_id,
        campaign_variant,
        event_type,
        occurred_at,
        event_type = 'open' and not is_machine_open as is_human_open,
        event_type = 'open' and is_machine_open as is_machine_open,
        event_type = 'click' and not is_bot_click as is_human_click,
        event_type = 'click' and is_bot_click as is_bot_click,
        event_type = 'unsubscribe' and unsubscribe_group_id is not null
            as is_group_unsubscribe
    from {{ ref('stg_esp__email_events') }}
),

sends_aggregated as (
    select
        message_id,
        min(email) as email,
        min(campaign_id) as campaign_id,
        min(campaign_variant) as campaign_variant,
        min(case when event_type = 'send' then occurred_at end) as sent_at,
        min(case when event_type = 'deliver' then occurred_at end) as delivered_at,
        min(case when is_human_open then occurred_at end) as first_human_open_at,
        min(case when is_machine_open then occurred_at end) as first_machine_open_at,
        min(case when is_human_click then occurred_at end) as first_human_click_at,
        count(case when is_human_open then 1 end) as human_open_count,
        count(case when is_machine_open then 1 end) as machine_open_count,
        count(case when is_human_click then 1 end) as human_click_count,
        count(case when is_bot_click then 1 end) as bot_click_count,
        count(case when event_type = 'bounce_hard' then 1 end) > 0 as is_hard_bounced,
        count(case when event_type = 'bounce_soft' then 1 end) > 0 as is_soft_bounced,
        count(case when event_type = 'dropped' then 1 end) > 0 as is_dropped,
        count(case when event_type = 'deferred' then 1 end) > 0 as is_deferred,
        count(case when event_type = 'unsubscribe' then 1 end) > 0 as is_unsubscribed,
        count(case when is_group_unsubscribe then 1 end) > 0 as is_group_unsubscribed,
        count(case when event_type = 'complaint' then 1 end) > 0 as is_complained,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at
    from email_events
    group by message_id
)

select * from sends_aggregated
