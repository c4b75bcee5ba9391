{#- One row per email address and consent purpose: the latest consent event decides the
    state (rule: macro consent_states_as_of). The snapshot keeps its history. -#}
with

consent_events as (
    select
        consent_event_id,
        person_id,
        crm_customer_id,
        email,
        consent_purpose,
        consent_status,
        lawful_basis,
        consent_source,
        policy_version,
        occurred_at
    from {{ ref('int_consent_events_keyed') }}
),

events_ranked as (
    {{ consent_states_as_of('consent_events', ['email']) }}
),

states_current as (
    select
        {{ dbt.hash("email || '|' || consent_purpose") }} as consent_state_id,
        person_id,
        email,
        crm_customer_id,
        consent_purpose,
        consent_status,
        consent_status = 'granted' as is_granted,
        lawful_basis,
        consent_source,
        policy_version,
        occurred_at as status_changed_at,
        first_granted_at,
        consent_event_id as last_consent_event_id,
        cast(consent_event_count as {{ dbt.type_bigint() }}) as consent_event_count
    from events_ranked
    where recency_rank = 1
)

select * from states_current
