{#- One row per segment and person currently in it who may be emailed and profiled
    (contact purposes email_marketing and personalisation): the audiences the email
    platform imports. -#}
with

memberships as (
    select
        person_id,
        segment_name,
        entered_at
    from {{ ref('fct_segment_memberships') }}
    where is_current
),

customers as (
    select
        person_id,
        email,
        first_name
    from {{ ref('int_customer_profiles_merged') }}
),

contactability as (
    select person_id
    from {{ ref('dim_person_contactability') }}
    where can_contact and contact_purpose in ('email_marketing', 'personalisation')
    group by person_id
    having count(*) = 2
),

members_emailable as (
    select
        memberships.segment_name,
        memberships.person_id,
        customers.email,
        customers.first_name,
        memberships.entered_at as entered_segment_at
    from memberships
    inner join customers
        on memberships.person_id = customers.person_id
    inner join contactability
        on memberships.person_id = contactability.person_id
)

select * from members_emailable
