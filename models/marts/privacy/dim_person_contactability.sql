{#- One row per person and contact purpose (seed contact_purposes, each on one channel):
    may we contact the person for it now, and the rule that decided. Every audience and
    export reads it (generic test is_contactable). Rules, first that applies: an erasure
    request; do-not-sell (third-party purposes); consent withdrawn; no consent where the
    purpose needs one; no email address; then, on the email channel, a spam complaint, a
    hard bounce not followed by a delivery, a global unsubscribe, an unsubscribe from the
    purpose's group, repeated soft bounces since the last delivery, and the inactivity
    sunset. As of var personalization__as_of_date (default: now). -#}
{%- set today = dbt.cast(personalization_as_of_date(), dbt.type_timestamp()) -%}
{%- set sunset_start = dbt.dateadd('day', -var('privacy__sunset_after_days'), today) -%}

with

people as (
    select
        person_id,
        email
    from {{ ref('int_customer_profiles_merged') }}
),

contact_purposes as (
    select
        contact_purpose,
        channel,
        consent_purpose,
        requires_consent,
        unsubscribe_group_id
    from {{ ref('contact_purposes') }}
),

consents as (
    select
        person_id,
        consent_purpose,
        consent_status,
        status_changed_at
    from {{ ref('dim_person_consents') }}
),

addresses as (
    select
        email,
        first_sent_at,
        last_delivered_at,
        last_engaged_at,
        last_hard_bounced_at,
        soft_bounces_since_delivery_count,
        first_complained_at,
        first_unsubscribed_at
    from {{ ref('int_email_addresses_statused') }}
),

group_unsubscribes as (
    select
        email,
        unsubscribe_group_id,
        unsubscribed_at
    from {{ ref('int_email_group_unsubscribes') }}
),

erasure_requests as (
    select
        person_id,
        min(requested_at) as erasure_requested_at
    from {{ ref('int_privacy_requests_keyed') }}
    where request_type = 'erasure' and {{ is_before_as_of_end('requested_at') }}
    group by person_id
),

erased_addresses as (
    -- An address an erasure request names is its requester's data: nobody is contacted
    -- at it, nor is it uploaded for them. Several people can share one address (an
    -- office's); a shared address links no identities, so the request above finds only
    -- its requester, and the others would still be sent to it.
    select
        email,
        min(requested_at) as erasure_requested_at
    from {{ ref('stg_privacy__privacy_requests') }}
    where
        request_type = 'erasure'
        and email is not null
        and {{ is_before_as_of_end('requested_at') }}
    group by email
),

sale_opt_outs as (
    select
        person_id,
        opted_out_at
    from {{ ref('int_person_sale_opt_outs') }}
),

purposes_crossed as (
    select
        people.person_id,
        people.email,
        contact_purposes.contact_purpose,
        contact_purposes.channel,
        contact_purposes.consent_purpose,
        contact_purposes.requires_consent,
        contact_purposes.unsubscribe_group_id
    from people
    cross join contact_purposes
),

facts_joined as (
    select
        purposes_crossed.*,
        erasure_requests.erasure_requested_at,
        erased_addresses.erasure_requested_at as address_erasure_requested_at,
        sale_opt_outs.opted_out_at as sale_opted_out_at,
        consents.consent_status,
        consents.status_changed_at as consent_changed_at,
        addresses.first_sent_at,
        addresses.last_delivered_at,
        addresses.last_engaged_at,
        addresses.last_hard_bounced_at,
        addresses.soft_bounces_since_delivery_count,
        addresses.first_complained_at,
        addresses.first_unsubscribed_at,
        group_unsubscribes.unsubscribed_at as group_unsubscribed_at
    from purposes_crossed
    left join erasure_requests
        on purposes_crossed.person_id = erasure_requests.person_id
    left join erased_addresses
        on purposes_crossed.email = erased_addresses.email
    left join sale_opt_outs
        on purposes_crossed.person_id = sale_opt_outs.person_id
    left join consents
        on
            purposes_crossed.person_id = consents.person_id
            and purposes_crossed.consent_purpose = consents.consent_purpose
    left join addresses
        on purposes_crossed.email = addresses.email
    left join group_unsubscribes
        on
            purposes_crossed.email = group_unsubscribes.email
            and purposes_crossed.unsubscribe_group_id
            = group_unsubscribes.unsubscribe_group_id
),

rules_applied as (
    select
        *,
        case
            when erasure_requested_at is not null then 'erasure_requested'
            when
                consent_purpose = 'third_party_sharing' and sale_opted_out_at is not null
                then 'do_not_sell'
            when consent_status = 'withdrawn' then 'consent_withdrawn'
            when requires_consent and consent_status is null then 'no_consent'
            when email is null then 'no_email_address'
            when
                address_erasure_requested_at is not null
                then 'address_erasure_requested'
            when channel <> 'email' then 'allowed'
            when first_complained_at is not null then 'spam_complaint'
            when
                last_hard_bounced_at is not null
                and (
                    last_delivered_at is null or last_hard_bounced_at > last_delivered_at
                )
                then 'hard_bounce'
            when first_unsubscribed_at is not null then 'unsubscribed'
            when group_unsubscribed_at is not null then 'group_unsubscribe'
            when
                soft_bounces_since_delivery_count
                >= {{ var('privacy__soft_bounce_limit') }}
                then 'repeated_soft_bounces'
            when
                first_sent_at < {{ sunset_start }}
                and coalesce(last_engaged_at, first_sent_at) < {{ sunset_start }}
                then 'inactivity_sunset'
            else 'allowed'
        end as decided_by
    from facts_joined
),

contactability_decided as (
    select
        {{ dbt.hash("person_id || '|' || contact_purpose") }} as person_contactability_id,
        person_id,
        contact_purpose,
        channel,
        consent_purpose,
        decided_by = 'allowed' as can_contact,
        decided_by,
        case decided_by
            when 'erasure_requested' then erasure_requested_at
            when 'address_erasure_requested' then address_erasure_requested_at
            when 'do_not_sell' then sale_opted_out_at
            when 'consent_withdrawn' then consent_changed_at
            when 'spam_complaint' then first_complained_at
            when 'hard_bounce' then last_hard_bounced_at
            when 'unsubscribed' then first_unsubscribed_at
            when 'group_unsubscribe' then group_unsubscribed_at
            when 'inactivity_sunset' then coalesce(last_engaged_at, first_sent_at)
            when 'allowed' then consent_changed_at
        end as decided_at
    from rules_applied
)

select * from contactability_decided
