{#- One row per segment and person currently in it who may be shared with advertising
    platforms (contact purposes ad_audiences and personalisation): the hashed-email
    audiences uploaded for matching. The plain SHA-256 of the normalised address is the
    matching key the platforms ask for; this is the only model that holds it. -#}
with

memberships as (
    select
        person_id,
        segment_name
    from {{ ref('fct_segment_memberships') }}
    where is_current
),

profiles as (
    select
        person_id,
        email
    from {{ ref('int_customer_profiles_merged') }}
    where email is not null
),

contactability as (
    select person_id
    from {{ ref('dim_person_contactability') }}
    where can_contact and contact_purpose in ('ad_audiences', 'personalisation')
    group by person_id
    having count(*) = 2
),

members_hashed as (
    select
        memberships.segment_name,
        memberships.person_id,
        {{ sha256_hex('profiles.email') }} as email_sha256
    from memberships
    inner join profiles
        on memberships.person_id = profiles.person_id
    inner join contactability
        on memberships.person_id = contactability.person_id
)

select * from members_hashed
