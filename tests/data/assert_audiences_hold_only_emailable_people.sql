-- Nobody whose address complained or unsubscribed from everything, who has no address,
-- no granted email marketing consent, or asked to be erased, is in an audience or the
-- payload the email platform reads. Checked against the events and requests themselves,
-- not against dim_person_contactability, which the outputs filter on.
with

audience_members as (
    select
        person_id,
        email
    from {{ ref('sync_email_platform__segment_members') }}
    union all
    select
        person_id,
        email
    from {{ ref('sync_email_platform__contacts') }}
),

suppressing_events as (
    select distinct email
    from {{ ref('stg_esp__email_events') }}
    where
        event_type = 'complaint'
        or (event_type = 'unsubscribe' and unsubscribe_group_id is null)
),

consenting_people as (
    select person_id
    from {{ ref('dim_person_consents') }}
    where consent_purpose = 'email_marketing' and is_granted
),

erasure_requests as (
    select distinct email
    from {{ ref('stg_privacy__privacy_requests') }}
    where request_type = 'erasure'
),

members_not_emailable as (
    select
        audience_members.person_id,
        audience_members.email
    from audience_members
    left join suppressing_events
        on audience_members.email = suppressing_events.email
    left join consenting_people
        on audience_members.person_id = consenting_people.person_id
    left join erasure_requests
        on audience_members.email = erasure_requests.email
    where
        audience_members.email is null
        or suppressing_events.email is not null
        or consenting_people.person_id is null
        or erasure_requests.email is not null
)

select * from members_not_emailable
