{#- One row per campaign and A/B variant that sent messages: counts of messages sent,
    delivered, opened and clicked by humans, opened by machines only, bounced,
    unsubscribed and complained, their rates, and the orders and revenue attributed to
    the variant's messages. Messages without a campaign (transactional sends through the
    API) are not campaign performance and are left out. Rates are fractions rounded half
    up to four decimals, null when their denominator is zero. -#}

{#- rate column: (numerator count, denominator count) -#}
{%- set rates = {
    'delivery_rate': ('delivered_count', 'sent_count'),
    'open_rate': ('opened_count', 'delivered_count'),
    'machine_only_open_rate': ('machine_only_open_count', 'delivered_count'),
    'click_through_rate': ('clicked_count', 'delivered_count'),
    'click_to_open_rate': ('clicked_count', 'opened_count'),
    'hard_bounce_rate': ('hard_bounce_count', 'sent_count'),
    'soft_bounce_rate': ('soft_bounce_count', 'sent_count'),
    'unsubscribe_rate': ('unsubscribe_count', 'delivered_count'),
    'complaint_rate': ('complaint_count', 'delivered_count'),
} -%}

with

email_sends as (
    select
        message_id,
        campaign_id,
        campaign_variant,
        sent_at,
        is_delivered,
        is_opened,
        has_machine_open,
        is_clicked,
        is_bounced,
        is_hard_bounced,
        is_unsubscribed,
        is_complained
    from {{ ref('fct_email_sends') }}
    where campaign_id is not null
),

order_attributions as (
    select
        message_id,
        net_revenue_reporting_amount
    from {{ ref('fct_order_attributions') }}
),

campaigns as (
    select
        campaign_id,
        campaign_variant,
        campaign_name,
        campaign_type,
        subject_line,
        ab_test_id,
        from_name,
        scheduled_at
    from {{ ref('stg_esp__campaigns') }}
),

attributions_per_message as (
    select
        message_id,
        count(*) as attributed_order_count,
        sum(net_revenue_reporting_amount) as attributed_revenue_reporting_amount
    from order_attributions
    group by message_id
),

sends_counted as (
    select
        email_sends.campaign_id,
        email_sends.campaign_variant,
        min(email_sends.sent_at) as first_sent_at,
        max(email_sends.sent_at) as last_sent_at,
        count(*) as sent_count,
        count(case when email_sends.is_delivered then 1 end) as delivered_count,
        count(case when email_sends.is_opened then 1 end) as opened_count,
        count(
            case
                when email_sends.has_machine_open and not email_sends.is_opened then 1
            end
        ) as machine_only_open_count,
        count(case when email_sends.is_clicked then 1 end) as clicked_count,
        count(case when email_sends.is_hard_bounced then 1 end) as hard_bounce_count,
        count(
            case
                when email_sends.is_bounced and not email_sends.is_hard_bounced then 1
            end
        ) as soft_bounce_count,
        count(case when email_sends.is_unsubscribed then 1 end) as unsubscribe_count,
        count(case when email_sends.is_complained then 1 end) as complaint_count,
        coalesce(
            sum(attributions_per_message.attributed_order_count), 0
        ) as attributed_order_count,
        coalesce(
            sum(attributions_per_message.attributed_revenue_reporting_amount), 0
        ) as attributed_revenue_reporting_amount
    from email_sends
    left join attributions_per_message
        on email_sends.message_id = attributions_per_message.message_id
    group by email_sends.campaign_id, email_sends.campaign_variant
),

rates_computed as (
    -- half up to 4 decimals, null when the denominator is 0
    select
        {%- for rate_name, (numerator, denominator) in rates.items() %}
            {{ rate(numerator, denominator) }} as {{ rate_name }},
        {%- endfor %}
        sends_counted.*
    from sends_counted
),

performance_described as (
    select
        {{ dbt.concat([
            "rates_computed.campaign_id",
            "':'",
            "coalesce(rates_computed.campaign_variant, '')",
        ]) }} as campaign_variant_id,
        rates_computed.campaign_id,
        rates_computed.campaign_variant,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.subject_line,
        campaigns.ab_test_id,
        campaigns.from_name,
        campaigns.scheduled_at,
        rates_computed.first_sent_at,
        rates_computed.last_sent_at,
        cast(rates_computed.sent_count as {{ dbt.type_bigint() }}) as sent_count,
        cast(rates_computed.delivered_count as {{ dbt.type_bigint() }})
            as delivered_count,
        cast(rates_computed.opened_count as {{ dbt.type_bigint() }}) as opened_count,
        cast(rates_computed.machine_only_open_count as {{ dbt.type_bigint() }})
            as machine_only_open_count,
        cast(rates_computed.clicked_count as {{ dbt.type_bigint() }}) as clicked_count,
        cast(rates_computed.hard_bounce_count as {{ dbt.type_bigint() }})
            as hard_bounce_count,
        cast(rates_computed.soft_bounce_count as {{ dbt.type_bigint() }})
            as soft_bounce_count,
        cast(rates_computed.unsubscribe_count as {{ dbt.type_bigint() }})
            as unsubscribe_count,
        cast(rates_computed.complaint_count as {{ dbt.type_bigint() }})
            as complaint_count,
        cast(rates_computed.attributed_order_count as {{ dbt.type_bigint() }})
            as attributed_order_count,
        rates_computed.delivery_rate,
        rates_computed.open_rate,
        rates_computed.machine_only_open_rate,
        rates_computed.click_through_rate,
        rates_computed.click_to_open_rate,
        rates_computed.hard_bounce_rate,
        rates_computed.soft_bounce_rate,
        rates_computed.unsubscribe_rate,
        rates_computed.complaint_rate,
        cast(
            rates_computed.attributed_revenue_reporting_amount as numeric(28, 2)
        ) as attributed_revenue_reporting_amount,
        '{{ var("commerce__reporting_currency") }}' as reporting_currency
    from rates_computed
    left join campaigns
        on
            rates_computed.campaign_id = campaigns.campaign_id
            and coalesce(rates_computed.campaign_variant, '')
            = coalesce(campaigns.campaign_variant, '')
)

select * from performance_described
