{#- One row per email address in the identity graph, with its keyed pseudonym (macro
    email_key) and the person it belongs to: the one place facts and marts get
    `email_key` from, and where the email facts find their person by the address alone
    (one join of millions of events with this list, not two). -#}
with

email_keys as (
    {{ person_keys_of_type('email') }}
),

pseudonymisation_key as (
    select key_value
    from {{ source('loader', '_pseudonymisation_key') }}
),

addresses_pseudonymised as (
    select
        email_keys.identifier_value as email,
        {{ email_key_of_address('email_keys.identifier_value') }} as email_key,
        email_keys.person_id
    from email_keys
    cross join pseudonymisation_key
)

select * from addresses_pseudonymised
