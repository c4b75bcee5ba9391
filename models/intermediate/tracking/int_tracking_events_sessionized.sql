{#- One row per tracking call of a human visitor (crawlers left out), with the web session
    it belongs to. A device's (anonymous_id's) calls are taken in time order; a session
    starts after more than `sessions__inactivity_minutes` without a call and, when
    `sessions__split_on_campaign_change` is on, at a call bringing a utm campaign other
    than the latest one seen in the visit. -#}
{%- set inactivity_minutes = var('sessions__inactivity_minutes') %}
{%- set split_on_campaign_change = var('sessions__split_on_campaign_change') %}

with

tracking_events as (
    select
        tracking_event_id,
        anonymous_id,
        user_id,
        event_name,
        occurred_at,
        page_url,
        page_path,
        page_referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        device_type
    from {{ ref('stg_tracking__events') }}
    where not is_bot and anonymous_id is not null
),

events_lagged as (
    select
        *,
        lag(occurred_at) over (
            partition by anonymous_id
            order by occurred_at, tracking_event_id
        ) as previous_occurred_at
    from tracking_events
),

visits_numbered as (
    -- a visit: calls with no gap longer than the inactivity window between them
    select
        *,
        count(
            case
                when
                    previous_occurred_at is null
                    or occurred_at > {{ dbt.dateadd(
                        'minute', inactivity_minutes, 'previous_occurred_at'
                    ) }}
                    then 1
            end
        ) over (
            partition by anonymous_id
            order by occurred_at, tracking_event_id
            rows between unbounded preceding and current row
        ) as visit_number
    from events_lagged
),

campaigns_grouped as (
    -- each call with a campaign opens a group that runs until the next such call
    select
        *,
        count(utm_campaign) over (
            partition by anonymous_id, visit_number
            order by occurred_at, tracking_event_id
            rows between unbounded preceding and current row
        ) as campaign_group
    from visits_numbered
),

campaigns_carried as (
    -- the latest campaign seen in the visit up to and including the call
    select
        *,
        first_value(utm_campaign) over (
            partition by anonymous_id, visit_number, campaign_group
            order by occurred_at, tracking_event_id
            rows between unbounded preceding and current row
        ) as visit_campaign
    from campaigns_grouped
),

session_starts_flagged as (
    select
        *,
        (
            previous_occurred_at is null
            or occurred_at > {{ dbt.dateadd(
                'minute', inactivity_minutes, 'previous_occurred_at'
            ) }}
            {%- if split_on_campaign_change %}
                or (
                    utm_campaign is not null
                    and coalesce(
                        utm_campaign <> lag(visit_campaign) over (
                            partition by anonymous_id, visit_number
                            order by occurred_at, tracking_event_id
                        ),
                        true
                    )
                )
            {%- endif %}
        ) as is_session_start
    from campaigns_carried
),

sessions_numbered as (
    select
        *,
        count(case when is_session_start then 1 end) over (
            partition by anonymous_id
            order by occurred_at, tracking_event_id
            rows between unbounded preceding and current row
        ) as session_number
    from session_starts_flagged
),

sessions_started as (
    select
        *,
        min(occurred_at) over (
            partition by anonymous_id, session_number
        ) as session_started_at,
        row_number() over (
            partition by anonymous_id, session_number
            order by occurred_at, tracking_event_id
        ) as event_number_in_session
    from sessions_numbered
),

events_sessionized as (
    select
        tracking_event_id,
        {{ dbt.hash(
            "anonymous_id || '|' || cast(session_started_at as "
            ~ dbt.type_string() ~ ")"
        ) }} as session_id,
        anonymous_id,
        cast(session_number as {{ dbt.type_bigint() }}) as session_number,
        session_started_at,
        cast(event_number_in_session as {{ dbt.type_bigint() }})
            as event_number_in_session,
        user_id,
        event_name,
        occurred_at,
        page_url,
        page_path,
        page_referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        device_type
    from sessions_started
)

select * from events_sessionized
