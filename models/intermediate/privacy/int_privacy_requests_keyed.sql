{#- One row per data-subject request and person it names: the request's address, or its
    CRM id, finds the person in the identity graph. -#}
with

privacy_requests as (
    select
        privacy_request_id,
        request_type,
        crm_customer_id,
        email,
        requested_at,
        request_status
    from {{ ref('stg_privacy__privacy_requests') }}
),

person_keys as (
    select
        identifier_node,
        person_id
    from {{ ref('int_identity_person_keys_assigned') }}
),

requests_keyed as (
    select distinct
        privacy_requests.privacy_request_id,
        person_keys.person_id,
        privacy_requests.request_type,
        privacy_requests.requested_at,
        privacy_requests.request_status
    from privacy_requests
    inner join person_keys
        on
            person_keys.identifier_node in (
                {{ identity_node('email', 'privacy_requests.email') }},
                {{ identity_node('crm_customer_id', 'privacy_requests.crm_customer_id') }}
            )
)

select * from requests_keyed
