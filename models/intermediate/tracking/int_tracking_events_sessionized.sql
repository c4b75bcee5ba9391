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

devices as (
    select distinct anonymous_id
    from tracking_events
),

devices_numbered as (
    -- each device numbered in id order, so that the windows below partition by an
    -- integer, and after the first sort integers and carry no ids (at a million
    -- customers, 22 million calls carrying their ids through every window were more than
    -- DuckDB's window operator could hold in 3 GB)
    select
        anonymous_id,
        row_number() over (order by anonymous_id) as device_number
    from devices
),

calls_ordered as (
    -- each device's calls in time order (one sort, shared by the three windows): the
    -- call's position, the gap since the previous call and the number of campaign calls
    -- so far (each one opens a campaign group that runs until the next)
    select
        tracking_events.tracking_event_id,
        devices_numbered.device_number,
        tracking_events.occurred_at,
        tracking_events.utm_campaign,
        row_number() over device_calls as call_number,
        lag(tracking_events.occurred_at) over device_calls as previous_occurred_at,
        count(tracking_events.utm_campaign) over (
            device_calls rows between unbounded preceding and current row
        ) as campaign_group
    from tracking_events
    inner join devices_numbered
        on tracking_events.anonymous_id = devices_numbered.anonymous_id
    window device_calls as (
        partition by devices_numbered.device_number
        order by tracking_events.occurred_at, tracking_events.tracking_event_id
    )
),

visits_flagged as (
    -- a visit starts after more than the inactivity window without a call (the windows
    -- from here on sort integers and the few columns they need, not the call's id)
    select
        device_number,
        call_number,
        occurred_at,
        utm_campaign,
        campaign_group,
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
        partition by device_number, campaign_group
        order by call_number
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
                            partition by device_number
                            order by call_number
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
        device_number,
        call_number,
        count(case when is_session_start then 1 end) over device_calls
            as session_number,
        max(case when is_session_start then occurred_at end) over device_calls
            as session_started_at,
        call_number
        - max(case when is_session_start then call_number end) over device_calls
        + 1 as event_number_in_session
    from session_starts_flagged
    window device_calls as (
        partition by device_number
        order by call_number
        rows between unbounded preceding and current row
    )
),

sessions_identified as (
    -- each call's id, found again by its device and position
    select
        calls_ordered.tracking_event_id,
        sessions_numbered.session_number,
        sessions_numbered.session_started_at,
        sessions_numbered.event_number_in_session
    from sessions_numbered
    inner join calls_ordered
        on
            sessions_numbered.device_number = calls_ordered.device_number
            and sessions_numbered.call_number = calls_ordered.call_number
),

sessions_started as (
    -- the calls' other columns joined back by id: the windows above sort only the
    -- integers and the few columns they need
    select
        tracking_events.*,
        sessions_identified.session_number,
        sessions_identified.session_started_at,
        sessions_identified.event_number_in_session
    from tracking_events
    inner join sessions_identified
        on tracking_events.tracking_event_id = sessions_identified.tracking_event_id
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
