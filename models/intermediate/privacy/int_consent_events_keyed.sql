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

person_keys as (
    select
        identifier_node,
        person_id
    from {{ ref('int_identity_person_keys_assigned') }}
),

events_keyed as (
    select
        consent_events.consent_event_id,
        person_keys.person_id,
        consent_events.crm_customer_id,
        consent_events.email,
        consent_events.consent_purpose,
        consent_events.consent_status,
        consent_events.lawful_basis,
        consent_events.consent_source,
        consent_events.policy_version,
        consent_events.occurred_at
    from consent_events
    left join person_keys
        on
            {{ identity_node('email', 'consent_events.email') }}
            = person_keys.identifier_node
)

select * from events_keyed
