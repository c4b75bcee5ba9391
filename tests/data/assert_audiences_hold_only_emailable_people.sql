-- Nobody who unsubscribed, bounced hard or complained (on any of their addresses), or who
-- has no address, is in an audience or the payload the email platform reads. Checked
-- against the email facts themselves, not against the flag the outputs filter on.
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

suppressing_sends as (
    select distinct person_id
    from {{ ref('fct_email_sends') }}
    where is_unsubscribed or is_hard_bounced or is_complained
),

members_not_emailable as (
    select
        audience_members.person_id,
        audience_members.email
    from audience_members
    left join suppressing_sends
        on audience_members.person_id = suppressing_sends.person_id
    where audience_members.email is null or suppressing_sends.person_id is not null
)

select * from members_not_emailable
