{#- One row per email address in the identity graph, with its keyed pseudonym (macro
    email_key): the one place facts and marts get `email_key` from. -#}
with

person_keys as (
    select identifier_value as email
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
        {{ email_key_of_address('person_keys.email') }} as email_key
    from person_keys
    cross join pseudonymisation_key
)

select * from addresses_pseudonymised
