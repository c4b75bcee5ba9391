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

requests_identified as (
    -- one equality join per identifier: an `in (...)` join condition is no equi-join, so
    -- engines fall back to comparing every request with every identity node
    select
        privacy_requests.privacy_request_id,
        person_keys.person_id
    from privacy_requests
    inner join person_keys
        on person_keys.identifier_node = {{ identity_node(
            'email', 'privacy_requests.email'
        ) }}
    union
    select
        privacy_requests.privacy_request_id,
        person_keys.person_id
    from privacy_requests
    inner join person_keys
        on person_keys.identifier_node = {{ identity_node(
            'crm_customer_id', 'privacy_requests.crm_customer_id'
        ) }}
),

requests_keyed as (
    select
        privacy_requests.privacy_request_id,
        requests_identified.person_id,
        privacy_requests.request_type,
        privacy_requests.requested_at,
        privacy_requests.request_status
    from privacy_requests
    inner join requests_identified
        on privacy_requests.privacy_request_id = requests_identified.privacy_request_id
)

select * from requests_keyed
