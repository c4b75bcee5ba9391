{#- One row per recipient domain and day the messages were sent (UTC): messages sent,
    delivered, bounced (hard, soft), dropped, deferred and complained about, with the
    delivery, bounce and complaint rates. Domains with fewer than
    `deliverability__min_domain_messages` messages over all time are reported together
    as 'other'. -#}

{#- rate column: (numerator, denominator) -#}
{%- set rates = {
    'delivery_rate': ('delivered_count', 'sent_count'),
    'bounce_rate': ('hard_bounce_count + soft_bounce_count', 'sent_count'),
    'complaint_rate': ('complaint_count', 'delivered_count'),
} -%}

with

email_sends as (
    select
        message_id,
        sent_at,
        is_delivered,
        is_bounced,
        is_hard_bounced,
        is_complained
    from {{ ref('fct_email_sends') }}
),

sends_aggregated as (
    select
        message_id,
        email,
        is_dropped,
        is_deferred
    from {{ ref('int_email_sends_aggregated') }}
),

sends_with_domain as (
    select
        email_sends.message_id,
        coalesce(
            nullif({{ dbt.split_part('sends_aggregated.email', "'@'", 2) }}, ''),
            'unknown'
        ) as email_domain,
        cast(email_sends.sent_at as date) as sent_date,
        email_sends.is_delivered,
        email_sends.is_hard_bounced,
        email_sends.is_bounced and not email_sends.is_hard_bounced as is_soft_bounced,
        coalesce(sends_aggregated.is_dropped, false) as is_dropped,
        coalesce(sends_aggregated.is_deferred, false) as is_deferred,
        email_sends.is_complained
    from email_sends
    left join sends_aggregated
        on email_sends.message_id = sends_aggregated.message_id
),

domains_sized as (
    select
        email_domain,
        count(*) as domain_message_count
    from sends_with_domain
    group by email_domain
),

sends_grouped as (
    select
        case
            when
                domains_sized.domain_message_count
                >= {{ var('deliverability__min_domain_messages') }}
                then sends_with_domain.email_domain
            else 'other'
        end as recipient_domain,
        sends_with_domain.sent_date,
        sends_with_domain.is_delivered,
        sends_with_domain.is_hard_bounced,
        sends_with_domain.is_soft_bounced,
        sends_with_domain.is_dropped,
        sends_with_domain.is_deferred,
        sends_with_domain.is_complained
    from sends_with_domain
    inner join domains_sized
        on sends_with_domain.email_domain = domains_sized.email_domain
),

days_counted as (
    select
        recipient_domain,
        sent_date,
        count(*) as sent_count,
        count(case when is_delivered then 1 end) as delivered_count,
        count(case when is_hard_bounced then 1 end) as hard_bounce_count,
        count(case when is_soft_bounced then 1 end) as soft_bounce_count,
        count(case when is_dropped then 1 end) as dropped_count,
        count(case when is_deferred then 1 end) as deferred_count,
        count(case when is_complained then 1 end) as complaint_count
    from sends_grouped
    group by recipient_domain, sent_date
),

rates_computed as (
    -- half up to 4 decimals, null when the denominator is 0
    select
        {%- for rate_name, (numerator, denominator) in rates.items() %}
            {{ rate(numerator, denominator) }} as {{ rate_name }},
        {%- endfor %}
        days_counted.*
    from days_counted
),

days_rated as (
    select
        recipient_domain,
        sent_date,
        cast(sent_count as {{ dbt.type_bigint() }}) as sent_count,
        cast(delivered_count as {{ dbt.type_bigint() }}) as delivered_count,
        cast(hard_bounce_count as {{ dbt.type_bigint() }}) as hard_bounce_count,
        cast(soft_bounce_count as {{ dbt.type_bigint() }}) as soft_bounce_count,
        cast(dropped_count as {{ dbt.type_bigint() }}) as dropped_count,
        cast(deferred_count as {{ dbt.type_bigint() }}) as deferred_count,
        cast(complaint_count as {{ dbt.type_bigint() }}) as complaint_count,
        delivery_rate,
        bounce_rate,
        complaint_rate
    from rates_computed
)

select * from days_rated
