{#- Campaign variants whose attributed revenue exceeds the net revenue (reporting
    currency) of all orders its recipients placed, cancelled ones excluded, at or after
    the variant's first send. Attribution only ever hands out such orders, so it cannot
    credit more. -#}
with

campaign_performance as (
    select
        campaign_id,
        campaign_variant,
        first_sent_at,
        attributed_revenue_reporting_amount
    from {{ ref('fct_campaign_performance') }}
),

email_sends as (
    select distinct
        campaign_id,
        campaign_variant,
        person_id
    from {{ ref('fct_email_sends') }}
),

orders as (
    select
        person_id,
        ordered_at,
        net_revenue_reporting_amount
    from {{ ref('fct_orders') }}
    where not is_cancelled
),

recipient_revenue_summed as (
    select
        campaign_performance.campaign_id,
        campaign_performance.campaign_variant,
        coalesce(sum(orders.net_revenue_reporting_amount), 0) as recipient_revenue_amount
    from campaign_performance
    inner join email_sends
        on
            campaign_performance.campaign_id = email_sends.campaign_id
            and coalesce(campaign_performance.campaign_variant, '')
            = coalesce(email_sends.campaign_variant, '')
    left join orders
        on
            email_sends.person_id = orders.person_id
            and campaign_performance.first_sent_at <= orders.ordered_at
    group by campaign_performance.campaign_id, campaign_performance.campaign_variant
),

campaigns_over_credited as (
    select
        campaign_performance.campaign_id,
        campaign_performance.campaign_variant,
        campaign_performance.attributed_revenue_reporting_amount,
        recipient_revenue_summed.recipient_revenue_amount
    from campaign_performance
    left join recipient_revenue_summed
        on
            campaign_performance.campaign_id = recipient_revenue_summed.campaign_id
            and coalesce(campaign_performance.campaign_variant, '')
            = coalesce(recipient_revenue_summed.campaign_variant, '')
    where
        campaign_performance.attributed_revenue_reporting_amount
        > coalesce(recipient_revenue_summed.recipient_revenue_amount, 0)
)

select * from campaigns_over_credited
