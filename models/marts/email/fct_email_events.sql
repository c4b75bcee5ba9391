{#- One row per email event (send, delivery, open, click, bounce, ...) with its person,
    message, campaign, and whether a human or a machine opened or clicked. -#}
with

email_events as (
    select
        email_event_id,
        message_id,
        email,
        campaign_id,
        campaign_variant,
        event_type,
        occurred_at,
        is_machine_open,
        is_bot_click,
        clicked_url,
        user_agent,
        event_reason,
        unsubscribe_group_id
    from {{ ref('stg_esp__email_events') }}
),

address_pseudonyms as (
    -- each address's pseudonym and person: one join finds both
    select
        email,
        email_key,
        person_id
    from {{ ref('int_email_addresses_pseudonymised') }}
),

events_categorized as (
    select
        *,
        event_type = 'open' and not is_machine_open as is_human_open,
        event_type = 'click' and not is_bot_click as is_human_click,
        case
            when user_agent is null then null
            when
                is_machine_open
                or {{ contains_any(
                    'user_agent', var('email__machine_open_user_agents')
                ) }}
                then 'mail_privacy_proxy'
            when {{ contains_any('user_agent', var('email__bot_click_user_agents')) }}
                then 'link_scanner'
            when {{ contains_any('user_agent', var('email__mobile_user_agents')) }}
                then 'mobile'
            else 'desktop'
        end as user_agent_category
    from email_events
),

events_keyed as (
    select
        events_categorized.email_event_id,
        events_categorized.message_id,
        address_pseudonyms.person_id,
        address_pseudonyms.email_key,
        events_categorized.campaign_id,
        events_categorized.campaign_variant,
        events_categorized.event_type,
        events_categorized.occurred_at,
        events_categorized.is_machine_open,
        events_categorized.is_bot_click,
        events_categorized.is_human_open,
        events_categorized.is_human_click,
        events_categorized.clicked_url,
        events_categorized.user_agent,
        events_categorized.user_agent_category,
        events_categorized.event_reason,
        events_categorized.unsubscribe_group_id
    from events_categorized
    left join address_pseudonyms
        on events_categorized.email = address_pseudonyms.email
)

select * from events_keyed
