{#- One row per email address in the identity graph, with its keyed pseudonym (macro
    email_key) and the person it belongs to: the one place facts and marts get
    `email_key` from, and where the email facts find their person by the address alone
    (one join of millions of events with this list, not two). -#}
with

person_keys as (
    select
        identifier_value as email,
        person_id
    from {{ ref('int_identity_person_keys_assigned') }}
    where identifier_type = 'email'
),

pseudonymisation_key as (
    select key_value
    from {{ source('loader', '_pseudonymisation_key') }}
),

addresses_pseudonymised as (
    select
        person_keys.email,
        {{ email_key_of_address('person_keys.email') }} as email_key,
        person_keys.person_id
    from person_keys
    cross join pseudonymisation_key
)

select * from addresses_pseudonymised
