-- Every message in the staged email events has exactly one row in fct_email_sends, and
-- fct_email_sends has no message the events do not have.
with

event_messages as (
    select distinct message_id
    from {{ ref('stg_esp__email_events') }}
),

sends as (
    select
        message_id,
        count(*) as send_count
    from {{ ref('fct_email_sends') }}
    group by message_id
),

mismatches as (
    select
        coalesce(event_messages.message_id, sends.message_id) as message_id,
        coalesce(sends.send_count, 0) as send_count
    from event_messages
    full outer join sends
        on event_messages.message_id = sends.message_id
    where
        event_messages.message_id is null
        or sends.message_id is null
        or sends.send_count <> 1
)

select * from mismatches
