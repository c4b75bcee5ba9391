{#- One row per person who opted out of the sale or sharing of their data (CCPA
    do-not-sell): a do-not-sell request, or third-party sharing withdrawn by their latest
    consent event (macro consent_states_as_of). Their data is neither enriched by third
    parties nor shared with them. As of var personalization__as_of_date (default: now). -#}
{%- set as_of = personalization_as_of_end() -%}

with

consent_events as (
    select
        consent_event_id,
        person_id,
        consent_purpose,
        consent_status,
        occurred_at
    from {{ ref('int_consent_events_keyed') }}
    where person_id is not null and consent_purpose = 'third_party_sharing'
),

privacy_requests as (
    select
        person_id,
        requested_at
    from {{ ref('int_privacy_requests_keyed') }}
    where
        request_type = 'do_not_sell'
        and {{ is_before_as_of_end('requested_at') }}
),

consents_ranked as (
    {{ consent_states_as_of('consent_events', ['person_id'], as_of) }}
),

opt_outs_unioned as (
    select
        person_id,
        occurred_at as opted_out_at,
        'consent_withdrawn' as opt_out_source
    from consents_ranked
    where recency_rank = 1 and consent_status = 'withdrawn'
    union all
    select
        person_id,
        requested_at as opted_out_at,
        'do_not_sell_request' as opt_out_source
    from privacy_requests
),

opt_outs_first as (
    select
        person_id,
        min(opted_out_at) as opted_out_at,
        count(case when opt_out_source = 'do_not_sell_request' then 1 end) > 0
            as has_do_not_sell_request,
        count(case when opt_out_source = 'consent_withdrawn' then 1 end) > 0
            as has_withdrawn_sharing_consent
    from opt_outs_unioned
    group by person_id
)

select * from opt_outs_first
