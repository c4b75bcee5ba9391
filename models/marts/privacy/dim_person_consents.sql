{#- One row per person and consent purpose: the state the person's latest consent event
    left, across all their addresses, as of var personalization__as_of_date (default:
    now). Rule: macro consent_states_as_of. -#}
{%- set as_of = personalization_as_of_end() %}

with

consent_events as (
    select
        consent_event_id,
        person_id,
        consent_purpose,
        consent_status,
        lawful_basis,
        consent_source,
        policy_version,
        occurred_at
    from {{ ref('int_consent_events_keyed') }}
    where person_id is not null
),

events_ranked as (
    {{ consent_states_as_of('consent_events', ['person_id'], as_of) }}
),

states_current as (
    select
        {{ dbt.hash("person_id || '|' || consent_purpose") }} as person_consent_id,
        person_id,
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
