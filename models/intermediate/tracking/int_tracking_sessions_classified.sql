{#- One row per web session: its landing call (the first call with a page, else the
    first call) and the marketing channel of the highest-priority `channel_mapping` rule
    its utm_medium, utm_source and referring domain match. -#}
with

sessionized_events as (
    select
        session_id,
        event_number_in_session,
        page_url,
        page_path,
        page_referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        device_type
    from {{ ref('int_tracking_events_sessionized') }}
),

channel_mapping as (
    select
        priority,
        channel,
        utm_medium_pattern,
        utm_source_pattern,
        referrer_domain_pattern
    from {{ ref('channel_mapping') }}
),

landing_numbers as (
    -- each session's landing call by its position: the first with a page, else the first
    -- (an aggregate over two columns; a window over the calls held every column of 22
    -- million of them and ran out of memory under 3 GB at a million customers)
    select
        session_id,
        coalesce(
            min(case when page_path is not null then event_number_in_session end),
            min(event_number_in_session)
        ) as landing_event_number
    from sessionized_events
    group by session_id
),

landing_events as (
    select sessionized_events.*
    from sessionized_events
    inner join landing_numbers
        on
            sessionized_events.session_id = landing_numbers.session_id
            and sessionized_events.event_number_in_session
            = landing_numbers.landing_event_number
),

sessions_landed as (
    select
        session_id,
        page_url as landing_page_url,
        page_path as landing_page_path,
        page_referrer as referrer_url,
        nullif(
            lower(
                {{ dbt.split_part(
                    dbt.split_part('page_referrer', "'://'", 2), "'/'", 1
                ) }}
            ),
            ''
        ) as referrer_domain,
        utm_source,
        utm_medium,
        utm_campaign,
        device_type
    from landing_events
),

rules_matched as (
    -- an empty pattern matches anything; values and patterns are lower case
    select
        sessions_landed.session_id,
        channel_mapping.channel,
        channel_mapping.priority,
        row_number() over (
            partition by sessions_landed.session_id
            order by channel_mapping.priority desc, channel_mapping.channel asc
        ) as rule_rank
    from sessions_landed
    left join channel_mapping
        on
            (
                channel_mapping.utm_medium_pattern is null
                or sessions_landed.utm_medium like channel_mapping.utm_medium_pattern
            )
            and (
                channel_mapping.utm_source_pattern is null
                or sessions_landed.utm_source like channel_mapping.utm_source_pattern
            )
            and (
                channel_mapping.referrer_domain_pattern is null
                or sessions_landed.referrer_domain
                like channel_mapping.referrer_domain_pattern
            )
),

sessions_classified as (
    select
        sessions_landed.session_id,
        sessions_landed.landing_page_url,
        sessions_landed.landing_page_path,
        sessions_landed.referrer_url,
        sessions_landed.referrer_domain,
        sessions_landed.utm_source,
        sessions_landed.utm_medium,
        sessions_landed.utm_campaign,
        sessions_landed.device_type,
        coalesce(rules_matched.channel, 'unassigned') as channel,
        rules_matched.priority as channel_rule_priority
    from sessions_landed
    inner join rules_matched
        on
            sessions_landed.session_id = rules_matched.session_id
            and rules_matched.rule_rank = 1
)

select * from sessions_classified
