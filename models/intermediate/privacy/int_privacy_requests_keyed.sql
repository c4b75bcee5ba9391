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

request_identifiers as (
    -- each identifier a request names, as an identity node: one equality join then finds
    -- the person (an `in (...)` join condition is no equi-join, and engines fall back to
    -- comparing every request with every identity node)
    select
        privacy_request_id,
        {{ identity_node('email', 'email') }} as identifier_node
    from privacy_requests
    union all
    select
        privacy_request_id,
        {{ identity_node('crm_customer_id', 'crm_customer_id') }} as identifier_node
    from privacy_requests
),

requests_identified as (
    select distinct
        request_identifiers.privacy_request_id,
        person_keys.person_id
    from request_identifiers
    inner join person_keys
        on request_identifiers.identifier_node = person_keys.identifier_node
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
