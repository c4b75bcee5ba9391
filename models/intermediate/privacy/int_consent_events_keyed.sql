{#- One row per consent event, with the person of its email address. -#}
with

consent_events as (
    select
        consent_event_id,
        crm_customer_id,
        email,
        consent_purpose,
        consent_status,
        lawful_basis,
        consent_source,
        policy_version,
        occurred_at
    from {{ ref('stg_privacy__consent_events') }}
),

-- the people of the graph's addresses, by the address
email_keys as (
    {{ person_keys_of_type('email') }}
),

events_keyed as (
    select
        consent_events.consent_event_id,
        email_keys.person_id,
        consent_events.crm_customer_id,
        consent_events.email,
        consent_events.consent_purpose,
        consent_events.consent_status,
        consent_events.lawful_basis,
        consent_events.consent_source,
        consent_events.policy_version,
        consent_events.occurred_at
    from consent_events
    left join email_keys
        on consent_events.email = email_keys.identifier_value
)

select * from events_keyed
