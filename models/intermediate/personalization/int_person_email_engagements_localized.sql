{#- One row per message a person engaged with (a human open or click), at the first such
    moment, converted to the wall-clock time of the person's time zone (daylight saving
    included) with its local hour and ISO weekday. Messages of people without a known time
    zone cannot be placed in a local hour and are left out. -#}
with

email_sends as (
    select
        message_id,
        email,
        first_human_open_at,
        first_human_click_at
    from {{ ref('int_email_sends_aggregated') }}
    where first_human_open_at is not null or first_human_click_at is not null
),

address_people as (
    -- each address's person (the identity graph's email identifiers)
    select
        email,
        person_id
    from {{ ref('int_email_addresses_pseudonymised') }}
),

profiles as (
    select
        person_id,
        time_zone
    from {{ ref('int_customer_profiles_merged') }}
    where time_zone is not null
),

engagements_identified as (
    select
        email_sends.message_id,
        address_people.person_id,
        profiles.time_zone,
        -- a click without a recorded open still shows when the message was read
        case
            when email_sends.first_human_open_at is null
                then email_sends.first_human_click_at
            when email_sends.first_human_click_at < email_sends.first_human_open_at
                then email_sends.first_human_click_at
            else email_sends.first_human_open_at
        end as engaged_at
    from email_sends
    inner join address_people
        on email_sends.email = address_people.email
    inner join profiles
        on address_people.person_id = profiles.person_id
),

engagements_converted as (
    select
        message_id,
        person_id,
        time_zone,
        engaged_at,
        {{ convert_timezone('engaged_at', 'time_zone') }} as local_engaged_at
    from engagements_identified
),

engagements_localized as (
    select
        message_id,
        person_id,
        time_zone,
        engaged_at,
        local_engaged_at,
        cast(extract(hour from local_engaged_at) as {{ dbt.type_bigint() }})
            as local_hour,
        cast(extract(isodow from local_engaged_at) as {{ dbt.type_bigint() }})
            as local_weekday
    from engagements_converted
)

select * from engagements_localized
