{#- Totals of fct_deliverability_daily that differ from fct_email_sends: every message
    counts once, on one domain and day, so messages sent, delivered, bounced and
    complained about add up to the same. -#}
with

deliverability_daily as (
    select
        sent_count,
        delivered_count,
        hard_bounce_count,
        soft_bounce_count,
        complaint_count
    from {{ ref('fct_deliverability_daily') }}
),

email_sends as (
    select
        is_delivered,
        is_bounced,
        is_hard_bounced,
        is_complained
    from {{ ref('fct_email_sends') }}
),

deliverability_totalled as (
    select
        sum(sent_count) as sent_count,
        sum(delivered_count) as delivered_count,
        sum(hard_bounce_count) as hard_bounce_count,
        sum(soft_bounce_count) as soft_bounce_count,
        sum(complaint_count) as complaint_count
    from deliverability_daily
),

sends_totalled as (
    select
        count(*) as sent_count,
        count(case when is_delivered then 1 end) as delivered_count,
        count(case when is_hard_bounced then 1 end) as hard_bounce_count,
        count(case when is_bounced and not is_hard_bounced then 1 end)
            as soft_bounce_count,
        count(case when is_complained then 1 end) as complaint_count
    from email_sends
),

totals_compared as (
    select
        sends_totalled.sent_count,
        deliverability_totalled.sent_count as deliverability_sent_count,
        sends_totalled.delivered_count,
        deliverability_totalled.delivered_count as deliverability_delivered_count
    from sends_totalled
    cross join deliverability_totalled
    where
        sends_totalled.sent_count <> coalesce(deliverability_totalled.sent_count, 0)
        or sends_totalled.delivered_count
        <> coalesce(deliverability_totalled.delivered_count, 0)
        or sends_totalled.hard_bounce_count
        <> coalesce(deliverability_totalled.hard_bounce_count, 0)
        or sends_totalled.soft_bounce_count
        <> coalesce(deliverability_totalled.soft_bounce_count, 0)
        or sends_totalled.complaint_count
        <> coalesce(deliverability_totalled.complaint_count, 0)
)

select * from totals_compared
