{#- One row per email address and consent purpose: the latest consent event decides the
    state. Ties on time go to a withdrawal (the safer reading), then the larger event id. -#}
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

events_ranked as (
    select
        *,
        row_number() over (
            partition by email, consent_purpose
            order by
                occurred_at desc,
                case when consent_status = 'withdrawn' then 0 else 1 end asc,
                consent_event_id desc
        ) as recency_rank,
        min(case when consent_status = 'granted' then occurred_at end) over (
            partition by email, consent_purpose
        ) as first_granted_at,
        count(*) over (partition by email, consent_purpose) as consent_event_count
    from consent_events
),

states_current as (
    select
        {{ dbt.hash("events_ranked.email || '|' || events_ranked.consent_purpose") }}
            as consent_state_id,
        person_keys.person_id,
        events_ranked.email,
        events_ranked.crm_customer_id,
        events_ranked.consent_purpose,
        events_ranked.consent_status,
        events_ranked.consent_status = 'granted' as is_granted,
        events_ranked.lawful_basis,
        events_ranked.consent_source,
        events_ranked.policy_version,
        events_ranked.occurred_at as status_changed_at,
        events_ranked.first_granted_at,
        events_ranked.consent_event_id as last_consent_event_id,
        cast(events_ranked.consent_event_count as {{ dbt.type_bigint() }})
            as consent_event_count
    from events_ranked
    left join person_keys
        on
            {{ identity_node('email', 'events_ranked.email') }}
            = person_keys.identifier_node
    where events_ranked.recency_rank = 1
)

select * from states_current
