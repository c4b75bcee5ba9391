{#- Totals of fct_campaign_performance that differ from those of the facts it summarises:
    messages sent, delivered, opened, clicked, bounced, unsubscribed and complained about
    (fct_email_sends), and attributed orders and revenue (fct_order_attributions), of
    messages with a campaign. A campaign row lost or duplicated shows here. -#}
with

campaign_performance as (
    select
        sent_count,
        delivered_count,
        opened_count,
        clicked_count,
        hard_bounce_count,
        soft_bounce_count,
        unsubscribe_count,
        complaint_count,
        attributed_order_count,
        attributed_revenue_reporting_amount
    from {{ ref('fct_campaign_performance') }}
),

email_sends as (
    select
        is_delivered,
        is_opened,
        is_clicked,
        is_bounced,
        is_hard_bounced,
        is_unsubscribed,
        is_complained
    from {{ ref('fct_email_sends') }}
    where campaign_id is not null
),

order_attributions as (
    select net_revenue_reporting_amount
    from {{ ref('fct_order_attributions') }}
    where campaign_id is not null
),

performance_totalled as (
    select
        'campaign_performance' as source_model,
        sum(sent_count) as sent_count,
        sum(delivered_count) as delivered_count,
        sum(opened_count) as opened_count,
        sum(clicked_count) as clicked_count,
        sum(hard_bounce_count) as hard_bounce_count,
        sum(soft_bounce_count) as soft_bounce_count,
        sum(unsubscribe_count) as unsubscribe_count,
        sum(complaint_count) as complaint_count,
        sum(attributed_order_count) as attributed_order_count,
        sum(attributed_revenue_reporting_amount) as attributed_revenue_amount
    from campaign_performance
),

facts_totalled as (
    select
        'email_sends_and_attributions' as source_model,
        count(*) as sent_count,
        count(case when is_delivered then 1 end) as delivered_count,
        count(case when is_opened then 1 end) as opened_count,
        count(case when is_clicked then 1 end) as clicked_count,
        count(case when is_hard_bounced then 1 end) as hard_bounce_count,
        count(case when is_bounced and not is_hard_bounced then 1 end)
            as soft_bounce_count,
        count(case when is_unsubscribed then 1 end) as unsubscribe_count,
        count(case when is_complained then 1 end) as complaint_count,
        (select count(*) from order_attributions) as attributed_order_count,
        (
            select coalesce(sum(order_attributions.net_revenue_reporting_amount), 0)
            from order_attributions
        ) as attributed_revenue_amount
    from email_sends
),

totals_compared as (
    select
        facts_totalled.source_model,
        facts_totalled.sent_count,
        performance_totalled.sent_count as performance_sent_count,
        facts_totalled.attributed_order_count,
        performance_totalled.attributed_order_count as performance_order_count,
        facts_totalled.attributed_revenue_amount,
        performance_totalled.attributed_revenue_amount as performance_revenue_amount
    from facts_totalled
    cross join performance_totalled
    where
        facts_totalled.sent_count <> coalesce(performance_totalled.sent_count, 0)
        or facts_totalled.delivered_count
        <> coalesce(performance_totalled.delivered_count, 0)
        or facts_totalled.opened_count <> coalesce(performance_totalled.opened_count, 0)
        or facts_totalled.clicked_count <> coalesce(performance_totalled.clicked_count, 0)
        or facts_totalled.hard_bounce_count
        <> coalesce(performance_totalled.hard_bounce_count, 0)
        or facts_totalled.soft_bounce_count
        <> coalesce(performance_totalled.soft_bounce_count, 0)
        or facts_totalled.unsubscribe_count
        <> coalesce(performance_totalled.unsubscribe_count, 0)
        or facts_totalled.complaint_count
        <> coalesce(performance_totalled.complaint_count, 0)
        or facts_totalled.attributed_order_count
        <> coalesce(performance_totalled.attributed_order_count, 0)
        or facts_totalled.attributed_revenue_amount
        <> coalesce(performance_totalled.attributed_revenue_amount, 0)
)

select * from totals_compared
