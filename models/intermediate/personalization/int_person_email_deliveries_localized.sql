{#- One row per message that reached a person with a known time zone: delivered, or
    engaged with (a human open or click proves a delivery whose event was lost), at its
    delivery moment (else the send, else the open or click) converted to the person's
    wall-clock time with its local hour and ISO weekday, and whether they engaged with
    it. The exposure behind the engagement rates of int_person_send_times_ranked. -#}
with

email_sends as (
    select
        message_id,
        email,
        sent_at,
        delivered_at,
        first_human_open_at,
        first_human_click_at
    from {{ ref('int_email_sends_aggregated') }}
    where
        delivered_at is not null
        or first_human_open_at is not null
        or first_human_click_at is not null
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

deliveries_identified as (
    select
        email_sends.message_id,
        address_people.person_id,
        profiles.time_zone,
        coalesce(
            email_sends.delivered_at,
            email_sends.sent_at,
            email_sends.first_human_open_at,
            email_sends.first_human_click_at
        ) as delivered_at,
        (
            email_sends.first_human_open_at is not null
            or email_sends.first_human_click_at is not null
        ) as is_engaged
    from email_sends
    inner join address_people
        on email_sends.email = address_people.email
    inner join profiles
        on address_people.person_id = profiles.person_id
),

deliveries_converted as (
    select
        message_id,
        person_id,
        time_zone,
        delivered_at,
        {{ convert_timezone('delivered_at', 'time_zone') }} as local_delivered_at,
        is_engaged
    from deliveries_identified
),

deliveries_localized as (
    select
        message_id,
        person_id,
        time_zone,
        delivered_at,
        local_delivered_at,
        cast(extract(hour from local_delivered_at) as {{ dbt.type_bigint() }})
            as local_delivery_hour,
        cast(extract(isodow from local_delivered_at) as {{ dbt.type_bigint() }})
            as local_delivery_weekday,
        is_engaged
    from deliveries_converted
)

select * from deliveries_localized
