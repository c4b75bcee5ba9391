{#- One row per email address and unsubscribe group the address left (the email
    platform's group unsubscribes), as of var personalization__as_of_date (default:
    now). -#}
with

email_events as (
    select
        email,
        unsubscribe_group_id,
        occurred_at
    from {{ ref('stg_esp__email_events') }}
    where
        event_type = 'unsubscribe'
        and unsubscribe_group_id is not null
        and email is not null
        and {{ is_before_as_of_end('occurred_at') }}
),

unsubscribes_first as (
    select
        email,
        unsubscribe_group_id,
        min(occurred_at) as unsubscribed_at
    from email_events
    group by email, unsubscribe_group_id
)

select * from unsubscribes_first
