{#- One row per email address the platform has events for: what the mailbox said, as of
    var personalization__as_of_date (default: now). The facts the contactability rules
    read: hard bounces and soft bounces since the last delivery, complaints, global
    unsubscribes, and the first send and last human engagement for the inactivity
    sunset. -#}
with

email_events as (
    select
        email,
        event_type,
        occurred_at,
        unsubscribe_group_id,
        (event_type = 'open' and not is_machine_open)
        or (event_type = 'click' and not is_bot_click) as is_human_engagement
    from {{ ref('stg_esp__email_events') }}
    where email is not null and {{ is_before_as_of_end('occurred_at') }}
),

deliveries_last as (
    select
        email,
        max(case when event_type = 'deliver' then occurred_at end) as last_delivered_at
    from email_events
    group by email
),

addresses_statused as (
    select
        email_events.email,
        min(case when email_events.event_type = 'send' then email_events.occurred_at end)
            as first_sent_at,
        max(deliveries_last.last_delivered_at) as last_delivered_at,
        max(
            case
                when email_events.is_human_engagement then email_events.occurred_at
            end
        ) as last_engaged_at,
        max(
            case
                when email_events.event_type = 'bounce_hard' then email_events.occurred_at
            end
        ) as last_hard_bounced_at,
        cast(count(
            case
                when
                    email_events.event_type = 'bounce_soft'
                    and (
                        deliveries_last.last_delivered_at is null
                        or email_events.occurred_at > deliveries_last.last_delivered_at
                    )
                    then 1
            end
        ) as {{ dbt.type_bigint() }}) as soft_bounces_since_delivery_count,
        min(
            case
                when email_events.event_type = 'complaint' then email_events.occurred_at
            end
        ) as first_complained_at,
        min(
            case
                when
                    email_events.event_type = 'unsubscribe'
                    and email_events.unsubscribe_group_id is null
                    then email_events.occurred_at
            end
        ) as first_unsubscribed_at
    from email_events
    inner join deliveries_last
        on email_events.email = deliveries_last.email
    group by email_events.email
)

select * from addresses_statused
