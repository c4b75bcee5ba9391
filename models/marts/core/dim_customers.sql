{#- The customer 360: one row per person, denormalised so that BI reads it without joins.
    BI-facing: no name, address, phone or birth date; the email address only as its keyed
    pseudonym (email_key). The activation models read those from the profile. -#}
{#- Tags are as of var personalization__as_of_date (default today), like the scores:
    events after that day are left out. -#}
{%- set today = dbt.cast(personalization_as_of_date(), dbt.type_timestamp()) -%}

with

profiles as (
    select
        person_id,
        crm_customer_id,
        shop_customer_id,
        email,
        email_count,
        phone_count,
        crm_customer_id_count,
        shop_customer_id_count,
        anonymous_id_count,
        gender,
        age_years,
        age_band,
        age_band_source,
        language_code,
        preferred_contact_channel,
        clothing_size,
        shoe_size,
        country_code,
        country_source,
        city,
        city_source,
        time_zone,
        time_zone_source,
        income_band,
        household_size_count,
        has_children,
        interests_list,
        third_party_attributes_source,
        enrichment_vendor,
        enrichment_match_score,
        crm_created_at
    from {{ ref('int_customer_profiles_merged') }}
),

address_pseudonyms as (
    select
        email,
        email_key
    from {{ ref('int_email_addresses_pseudonymised') }}
),

orders as (
    select
        person_id,
        order_id,
        ordered_at,
        is_cancelled,
        has_discount_code,
        net_revenue_reporting_amount,
        refunded_reporting_amount
    from {{ ref('fct_orders') }}
    where person_id is not null and {{ is_before_as_of_end('ordered_at') }}
),

loyalty_entries as (
    select
        person_id,
        loyalty_entry_id,
        occurred_at,
        points_count,
        points_balance_count
    from {{ ref('fct_loyalty_ledger') }}
    where person_id is not null and {{ is_before_as_of_end('occurred_at') }}
),

email_sends as (
    select
        person_id,
        sent_at,
        is_delivered,
        is_opened,
        is_clicked,
        is_hard_bounced,
        is_unsubscribed,
        is_complained,
        first_human_open_at,
        first_human_click_at
    from {{ ref('fct_email_sends') }}
    where person_id is not null and {{ is_before_as_of_end('sent_at') }}
),

web_sessions as (
    select
        person_id,
        session_id,
        started_at,
        device_type
    from {{ ref('fct_web_sessions') }}
    where person_id is not null and {{ is_before_as_of_end('started_at') }}
),

cart_abandonments as (
    select
        person_id,
        started_at,
        is_recovered
    from {{ ref('fct_cart_abandonments') }}
    where person_id is not null and {{ is_before_as_of_end('started_at') }}
),

purchase_predictions as (
    -- BG/NBD and Gamma-Gamma scores of the latest `mailpipe fit` (none before one)
    select
        person_id,
        alive_probability,
        expected_purchase_count,
        purchase_probability,
        expected_purchase_amount,
        lifetime_value_amount
    from {{ ref('dim_person_purchase_predictions') }}
),

propensity_scores as (
    -- logistic propensity and churn of the latest `mailpipe train` (none before one)
    select
        person_id,
        purchase_propensity,
        churn_probability
    from {{ ref('dim_person_propensity_scores') }}
),

consent_states as (
    select
        person_id,
        consent_purpose,
        is_granted
    from {{ ref('dim_person_consents') }}
),

emailable as (
    select person_id
    from {{ ref('dim_person_contactability') }}
    where contact_purpose = 'email_marketing' and can_contact
),

orders_aggregated as (
    select
        person_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(case when not is_cancelled then 1 end) as order_count,
        count(case when not is_cancelled and has_discount_code then 1 end)
            as discounted_order_count,
        cast(
            sum(case when not is_cancelled then net_revenue_reporting_amount end)
            as numeric(28, 2)
        ) as net_revenue_reporting_amount,
        cast(sum(refunded_reporting_amount) as numeric(28, 2))
            as refunded_reporting_amount
    from orders
    group by person_id
),

loyalty_ranked as (
    select
        person_id,
        points_balance_count,
        cast(
            sum(case when points_count > 0 then points_count else 0 end)
                over (partition by person_id)
            as {{ dbt.type_bigint() }}
        ) as lifetime_points_count,
        row_number() over (
            partition by person_id
            order by occurred_at desc, loyalty_entry_id desc
        ) as recency_rank
    from loyalty_entries
),

loyalty_current as (
    select
        person_id,
        points_balance_count as loyalty_points_balance_count,
        lifetime_points_count as loyalty_lifetime_points_count
    from loyalty_ranked
    where recency_rank = 1
),

email_sends_as_of as (
    -- opens and clicks after the as-of day are not known yet
    select
        *,
        case
            when {{ is_before_as_of_end('first_human_open_at') }}
                then first_human_open_at
        end as opened_at,
        case
            when {{ is_before_as_of_end('first_human_click_at') }}
                then first_human_click_at
        end as clicked_at
    from email_sends
),

email_aggregated as (
    select
        person_id,
        count(*) as email_sent_count,
        count(case when is_delivered then 1 end) as email_delivered_count,
        count(case when is_opened then 1 end) as email_opened_count,
        count(case when is_clicked then 1 end) as email_clicked_count,
        count(case when is_hard_bounced then 1 end) > 0 as has_hard_bounced,
        count(case when is_unsubscribed then 1 end) > 0 as has_unsubscribed,
        count(case when is_complained then 1 end) > 0 as has_complained,
        min(sent_at) as first_email_sent_at,
        max(sent_at) as last_email_sent_at,
        max(opened_at) as last_email_opened_at,
        max(clicked_at) as last_email_clicked_at,
        max(coalesce(clicked_at, opened_at)) as last_email_engaged_at
    from email_sends_as_of
    group by person_id
),

devices_ranked as (
    select
        person_id,
        device_type,
        row_number() over (
            partition by person_id
            order by count(*) desc, max(started_at) desc, device_type asc
        ) as device_rank
    from web_sessions
    where device_type is not null
    group by person_id, device_type
),

web_aggregated as (
    select
        person_id,
        count(*) as web_session_count,
        min(started_at) as first_web_session_at,
        max(started_at) as last_web_session_at
    from web_sessions
    group by person_id
),

abandonments_aggregated as (
    select
        person_id,
        count(case when not is_recovered then 1 end) as abandoned_checkout_count,
        max(case when not is_recovered then started_at end) as last_abandoned_checkout_at
    from cart_abandonments
    group by person_id
),

consents_pivoted as (
    select
        person_id,
        max(case when consent_purpose = 'email_marketing' then 1 else 0 end) = 1
            as has_email_marketing_record,
        max(
            case when consent_purpose = 'email_marketing' and is_granted then 1 else 0 end
        ) = 1 as has_email_marketing_consent,
        max(case when consent_purpose = 'profiling' and is_granted then 1 else 0 end) = 1
            as has_profiling_consent,
        max(
            case
                when consent_purpose = 'third_party_sharing' and is_granted then 1 else 0
            end
        ) = 1 as has_third_party_sharing_consent
    from consent_states
    group by person_id
),

customers_joined as (
    select
        profiles.person_id,
        profiles.crm_customer_id,
        profiles.shop_customer_id,
        address_pseudonyms.email_key,
        profiles.email_count,
        profiles.phone_count,
        profiles.crm_customer_id_count,
        profiles.shop_customer_id_count,
        profiles.anonymous_id_count,
        profiles.gender,
        profiles.age_years,
        profiles.age_band,
        profiles.age_band_source,
        profiles.language_code,
        profiles.preferred_contact_channel,
        profiles.clothing_size,
        profiles.shoe_size,
        profiles.country_code,
        profiles.country_source,
        profiles.city,
        profiles.city_source,
        profiles.time_zone,
        profiles.time_zone_source,
        profiles.income_band,
        profiles.household_size_count,
        profiles.has_children,
        profiles.interests_list,
        profiles.third_party_attributes_source,
        profiles.enrichment_vendor,
        profiles.enrichment_match_score,
        profiles.crm_created_at,
        orders_aggregated.first_order_at,
        orders_aggregated.last_order_at,
        coalesce(orders_aggregated.order_count, 0) as order_count,
        coalesce(orders_aggregated.discounted_order_count, 0) as discounted_order_count,
        coalesce(orders_aggregated.net_revenue_reporting_amount, 0)
            as net_revenue_reporting_amount,
        coalesce(orders_aggregated.refunded_reporting_amount, 0)
            as refunded_reporting_amount,
        loyalty_current.loyalty_points_balance_count,
        loyalty_current.loyalty_lifetime_points_count,
        coalesce(email_aggregated.email_sent_count, 0) as email_sent_count,
        coalesce(email_aggregated.email_delivered_count, 0) as email_delivered_count,
        coalesce(email_aggregated.email_opened_count, 0) as email_opened_count,
        coalesce(email_aggregated.email_clicked_count, 0) as email_clicked_count,
        coalesce(email_aggregated.has_hard_bounced, false) as has_hard_bounced,
        coalesce(email_aggregated.has_unsubscribed, false) as has_unsubscribed,
        coalesce(email_aggregated.has_complained, false) as has_complained,
        email_aggregated.first_email_sent_at,
        email_aggregated.last_email_sent_at,
        email_aggregated.last_email_opened_at,
        email_aggregated.last_email_clicked_at,
        email_aggregated.last_email_engaged_at,
        devices_ranked.device_type as primary_device_type,
        coalesce(web_aggregated.web_session_count, 0) as web_session_count,
        web_aggregated.last_web_session_at,
        -- the earliest of the four that the person has, null when none: least()
        -- skips nulls on DuckDB and Postgres alike
        least(
            profiles.crm_created_at,
            orders_aggregated.first_order_at,
            email_aggregated.first_email_sent_at,
            web_aggregated.first_web_session_at
        ) as first_seen_at,
        coalesce(abandonments_aggregated.abandoned_checkout_count, 0)
            as abandoned_checkout_count,
        abandonments_aggregated.last_abandoned_checkout_at,
        coalesce(consents_pivoted.has_email_marketing_record, false)
            as has_email_marketing_record,
        coalesce(consents_pivoted.has_email_marketing_consent, false)
            as has_email_marketing_consent,
        coalesce(consents_pivoted.has_profiling_consent, false) as has_profiling_consent,
        coalesce(consents_pivoted.has_third_party_sharing_consent, false)
            as has_third_party_sharing_consent,
        -- contact purpose email_marketing allowed (dim_person_contactability)
        emailable.person_id is not null as is_emailable,
        purchase_predictions.alive_probability,
        purchase_predictions.expected_purchase_count,
        purchase_predictions.purchase_probability,
        purchase_predictions.expected_purchase_amount,
        purchase_predictions.lifetime_value_amount,
        propensity_scores.purchase_propensity,
        propensity_scores.churn_probability
    from profiles
    left join orders_aggregated
        on profiles.person_id = orders_aggregated.person_id
    left join loyalty_current
        on profiles.person_id = loyalty_current.person_id
    left join email_aggregated
        on profiles.person_id = email_aggregated.person_id
    left join devices_ranked
        on
            profiles.person_id = devices_ranked.person_id
            and devices_ranked.device_rank = 1
    left join web_aggregated
        on profiles.person_id = web_aggregated.person_id
    left join abandonments_aggregated
        on profiles.person_id = abandonments_aggregated.person_id
    left join consents_pivoted
        on profiles.person_id = consents_pivoted.person_id
    left join emailable
        on profiles.person_id = emailable.person_id
    left join address_pseudonyms
        on profiles.email = address_pseudonyms.email
    left join purchase_predictions
        on profiles.person_id = purchase_predictions.person_id
    left join propensity_scores
        on profiles.person_id = propensity_scores.person_id
),

customers_tagged as (
    select
        *,
        cast(
            case
                when order_count > 0 then net_revenue_reporting_amount / order_count
            end as numeric(28, 2)
        ) as average_order_value_reporting_amount,
        cast(
            {{ dbt.datediff('last_order_at', today, 'day') }}  -- noqa: LT05
            as {{ dbt.type_bigint() }}
        ) as days_since_last_order,
        {{ loyalty_tier('loyalty_lifetime_points_count') }} as loyalty_tier,
        order_count > 0 as is_customer,
        order_count > 1 as is_repeat_customer,
        order_count > 0
        and {{ dbt.datediff('last_order_at', today, 'day') }}
        > {{ var('customers__lapsed_after_days') }} as is_lapsed_customer,
        order_count > 1
        and cast(discounted_order_count as {{ dbt.type_numeric() }}) / order_count
        >= {{ var('customers__discount_shopper_min_share') }} as is_discount_shopper,
        coalesce(
            {{ dbt.datediff('last_email_engaged_at', today, 'day') }}
            <= {{ var('customers__engaged_within_days') }},
            false
        ) as is_email_engaged,
        email_key is not null as has_email
    from customers_joined
)

select * from customers_tagged
