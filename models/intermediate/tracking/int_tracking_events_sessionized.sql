{#- One row per tracking call of a human visitor (crawlers left out), with the web session
    it belongs to. A device's (anonymous_id's) calls are taken in time order; a session
    starts after more than `sessions__inactivity_minutes` without a call and, when
    `sessions__split_on_campaign_change` is on, at a call bringing a utm campaign other
    than the latest one seen in the visit. -#}
{%- set inactivity_minutes = var('sessions__inactivity_minutes') %}
{%- set split_on_campaign_change = var('sessions__split_on_campaign_change') %}

with

tracking_events as not materialized (
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

calls_ordered as (
    -- each device's calls in time order (one sort, shared by the three windows): the
    -- gap since the previous call, the number of campaign calls so far (each one opens a
    -- campaign group that runs until the next) and the call's position
    select
        tracking_event_id,
        anonymous_id,
        occurred_at,
        utm_campaign,
        lag(occurred_at) over device_calls as previous_occurred_at,
        count(utm_campaign) over (
            device_calls rows between unbounded preceding and current row
        ) as campaign_group,
        row_number() over device_calls as call_number
    from tracking_events
    window device_calls as (
        partition by anonymous_id
        order by occurred_at, tracking_event_id
    )
),

visits_flagged as (
    -- a visit starts after more than the inactivity window without a call
    select
        *,
        (
            previous_occurred_at is null
            or occurred_at > {{ dbt.dateadd(
                'minute', inactivity_minutes, 'previous_occurred_at'
            ) }}
        ) as is_visit_start
    from calls_ordered
),

campaigns_carried as (
    -- the latest campaign seen in the visit up to and including the call: the campaign
    -- of the call's group, unless a visit started in the group after the campaign call
    select
        *,
        case
            when
                count(case when is_visit_start then 1 end) over campaign_calls
                = first_value(
                    case when is_visit_start then 1 else 0 end
                ) over campaign_calls
                then first_value(utm_campaign) over campaign_calls
        end as visit_campaign
    from visits_flagged
    window campaign_calls as (
        partition by anonymous_id, campaign_group
        order by occurred_at, tracking_event_id
        rows between unbounded preceding and current row
    )
),

session_starts_flagged as (
    -- a session starts with a visit and, when sessions__split_on_campaign_change is on,
    -- within one at a call bringing a campaign other than the latest one seen (the
    -- previous call's; a visit's first call starts a session anyway)
    select
        *,
        (
            is_visit_start
            {%- if split_on_campaign_change %}
                or (
                    utm_campaign is not null
                    and coalesce(
                        utm_campaign <> lag(visit_campaign) over (
                            partition by anonymous_id
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
    -- sessions counted so far; the latest session start's time and position (calls are
    -- in time order, so the latest start is the greatest)
    select
        tracking_event_id,
        count(case when is_session_start then 1 end) over device_calls
            as session_number,
        max(case when is_session_start then occurred_at end) over device_calls
            as session_started_at,
        call_number
        - max(case when is_session_start then call_number end) over device_calls
        + 1 as event_number_in_session
    from session_starts_flagged
    window device_calls as (
        partition by anonymous_id
        order by occurred_at, tracking_event_id
        rows between unbounded preceding and current row
    )
),

sessions_started as (
    -- the calls' other columns joined back by id: the windows above sort only the
    -- columns they need
    select
        tracking_events.*,
        sessions_numbered.session_number,
        sessions_numbered.session_started_at,
        sessions_numbered.event_number_in_session
    from tracking_events
    inner join sessions_numbered
        on tracking_events.tracking_event_id = sessions_numbered.tracking_event_id
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
