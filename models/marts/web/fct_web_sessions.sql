{#- One row per web session of a human visitor: its person, times, activity counts,
    commerce milestones, landing page, traffic source and channel. -#}
with

sessionized_events as (
    select
        session_id,
        anonymous_id,
        user_id,
        event_name,
        occurred_at
    from {{ ref('int_tracking_events_sessionized') }}
),

sessions_classified as (
    select
        session_id,
        landing_page_path,
        landing_page_url,
        referrer_url,
        referrer_domain,
        utm_source,
        utm_medium,
        utm_campaign,
        channel,
        device_type
    from {{ ref('int_tracking_sessions_classified') }}
),

-- the people of the graph's signed-in accounts and devices, each by its value
customer_keys as (
    {{ person_keys_of_type(var('identity__tracking_user_id_type')) }}
),

device_keys as (
    {{ person_keys_of_type('anonymous_id') }}
),

sessions_aggregated as (
    select
        session_id,
        min(anonymous_id) as anonymous_id,
        -- the signed-in customer, if any (the smallest id when several signed in)
        min(user_id) as user_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as event_count,
        count(case when event_name = 'Page Viewed' then 1 end) as page_view_count,
        count(case when event_name = 'Product Viewed' then 1 end) as product_view_count,
        count(case when event_name = 'Product Added' then 1 end) as add_to_cart_count,
        count(case when event_name = 'Checkout Started' then 1 end) > 0
            as has_started_checkout,
        count(case when event_name = 'Order Completed' then 1 end) > 0
            as has_completed_order
    from sessionized_events
    group by session_id
),

sessions_keyed as (
    -- the signed-in customer's person first, else the device's
    select
        sessions_aggregated.session_id,
        coalesce(customer_keys.person_id, device_keys.person_id) as person_id,
        sessions_aggregated.anonymous_id,
        sessions_aggregated.started_at,
        sessions_aggregated.ended_at,
        cast(
            {{ dbt.datediff(
                'sessions_aggregated.started_at', 'sessions_aggregated.ended_at', 'second'
            ) }}
            as {{ dbt.type_bigint() }}
        ) as duration_seconds,
        cast(sessions_aggregated.event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(sessions_aggregated.page_view_count as {{ dbt.type_bigint() }})
            as page_view_count,
        cast(sessions_aggregated.product_view_count as {{ dbt.type_bigint() }})
            as product_view_count,
        cast(sessions_aggregated.add_to_cart_count as {{ dbt.type_bigint() }})
            as add_to_cart_count,
        sessions_aggregated.has_started_checkout,
        sessions_aggregated.has_completed_order,
        sessions_classified.landing_page_path,
        sessions_classified.landing_page_url,
        sessions_classified.referrer_url,
        sessions_classified.referrer_domain,
        sessions_classified.utm_source,
        sessions_classified.utm_medium,
        sessions_classified.utm_campaign,
        sessions_classified.channel,
        sessions_classified.device_type
    from sessions_aggregated
    inner join sessions_classified
        on sessions_aggregated.session_id = sessions_classified.session_id
    left join customer_keys
        on sessions_aggregated.user_id = customer_keys.identifier_value
    left join device_keys
        on sessions_aggregated.anonymous_id = device_keys.identifier_value
)

select * from sessions_keyed
