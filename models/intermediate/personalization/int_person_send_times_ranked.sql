{#- One row per person: the local hour (0-23) and ISO weekday (1 = Monday) to send email
    at. The hour is the one they engage in most often (first human open or click per
    message, int_person_email_engagements_localized). The weekday is the one whose
    messages they engage with at the highest rate: engaged / delivered by local delivery
    weekday (int_person_email_deliveries_localized), smoothed towards their own overall
    rate with traits__send_time_prior_deliveries pseudo-messages, so that the days most
    mail goes out on do not win by volume and a day with one lucky message does not win
    by chance. Both are the person's from traits__send_time_min_engagements engagements,
    else the population's (the same rules over everyone's messages); `send_time_source`
    says which. Ties: the hour with the most recent engagement, the weekday with more
    deliveries, then the earlier hour or day. -#}
{%- set prior_deliveries = var('traits__send_time_prior_deliveries') -%}
with

profiles as (
    select person_id
    from {{ ref('int_customer_profiles_merged') }}
),

engagements as (
    select
        person_id,
        engaged_at,
        local_hour
    from {{ ref('int_person_email_engagements_localized') }}
),

deliveries as (
    select
        person_id,
        local_delivery_weekday,
        is_engaged
    from {{ ref('int_person_email_deliveries_localized') }}
),

engagements_counted as (
    select
        person_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as engagement_count
    from engagements
    group by person_id
),

deliveries_counted as (
    select
        person_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as delivery_count,
        cast(count(case when is_engaged then 1 end) as {{ dbt.type_bigint() }})
            as engaged_delivery_count
    from deliveries
    group by person_id
),

person_hours_ranked as (
    select
        person_id,
        local_hour,
        row_number() over (
            partition by person_id
            order by count(*) desc, max(engaged_at) desc, local_hour asc
        ) as hour_rank
    from engagements
    group by person_id, local_hour
),

person_weekdays_counted as (
    select
        person_id,
        local_delivery_weekday,
        cast(count(*) as {{ dbt.type_bigint() }}) as weekday_delivery_count,
        cast(count(case when is_engaged then 1 end) as {{ dbt.type_bigint() }})
            as weekday_engaged_count
    from deliveries
    group by person_id, local_delivery_weekday
),

person_weekdays_scored as (
    -- (engaged + k * E / D) / (delivered + k), E / D the person's overall rate, written
    -- with one division of whole numbers so that equal rates are equal on every engine
    select
        person_weekdays_counted.person_id,
        person_weekdays_counted.local_delivery_weekday,
        person_weekdays_counted.weekday_delivery_count,
        round(
            (
                cast(
                    person_weekdays_counted.weekday_engaged_count
                    as {{ dbt.type_numeric() }}
                )
                * deliveries_counted.delivery_count
                + {{ prior_deliveries }} * deliveries_counted.engaged_delivery_count
            )
            / (
                cast(deliveries_counted.delivery_count as {{ dbt.type_numeric() }})
                * (
                    person_weekdays_counted.weekday_delivery_count
                    + {{ prior_deliveries }}
                )
            ),
            9
        ) as weekday_engagement_rate
    from person_weekdays_counted
    inner join deliveries_counted
        on person_weekdays_counted.person_id = deliveries_counted.person_id
),

person_weekdays_ranked as (
    select
        person_id,
        local_delivery_weekday as local_weekday,
        row_number() over (
            partition by person_id
            order by
                weekday_engagement_rate desc,
                weekday_delivery_count desc,
                local_delivery_weekday asc
        ) as weekday_rank
    from person_weekdays_scored
),

population_hours_ranked as (
    select
        local_hour,
        row_number() over (
            order by count(*) desc, max(engaged_at) desc, local_hour asc
        ) as hour_rank
    from engagements
    group by local_hour
),

population_deliveries_counted as (
    select
        cast(count(*) as {{ dbt.type_bigint() }}) as delivery_count,
        cast(count(case when is_engaged then 1 end) as {{ dbt.type_bigint() }})
            as engaged_delivery_count
    from deliveries
),

population_weekdays_counted as (
    select
        local_delivery_weekday,
        cast(count(*) as {{ dbt.type_bigint() }}) as weekday_delivery_count,
        cast(count(case when is_engaged then 1 end) as {{ dbt.type_bigint() }})
            as weekday_engaged_count
    from deliveries
    group by local_delivery_weekday
),

population_weekdays_scored as (
    -- the person's rule applied to everyone's messages
    select
        population_weekdays_counted.local_delivery_weekday,
        population_weekdays_counted.weekday_delivery_count,
        round(
            (
                cast(
                    population_weekdays_counted.weekday_engaged_count
                    as {{ dbt.type_numeric() }}
                )
                * population_deliveries_counted.delivery_count
                + {{ prior_deliveries }}
                * population_deliveries_counted.engaged_delivery_count
            )
            / (
                cast(
                    population_deliveries_counted.delivery_count
                    as {{ dbt.type_numeric() }}
                )
                * (
                    population_weekdays_counted.weekday_delivery_count
                    + {{ prior_deliveries }}
                )
            ),
            9
        ) as weekday_engagement_rate
    from population_weekdays_counted
    cross join population_deliveries_counted
),

population_weekdays_ranked as (
    select
        local_delivery_weekday as local_weekday,
        row_number() over (
            order by
                weekday_engagement_rate desc,
                weekday_delivery_count desc,
                local_delivery_weekday asc
        ) as weekday_rank
    from population_weekdays_scored
),

send_times_joined as (
    select
        profiles.person_id,
        coalesce(engagements_counted.engagement_count, 0) as engagement_count,
        coalesce(deliveries_counted.delivery_count, 0) as delivery_count,
        person_hours_ranked.local_hour as person_hour,
        person_weekdays_ranked.local_weekday as person_weekday,
        population_hours_ranked.local_hour as population_hour,
        population_weekdays_ranked.local_weekday as population_weekday
    from profiles
    left join engagements_counted
        on profiles.person_id = engagements_counted.person_id
    left join deliveries_counted
        on profiles.person_id = deliveries_counted.person_id
    left join person_hours_ranked
        on
            profiles.person_id = person_hours_ranked.person_id
            and person_hours_ranked.hour_rank = 1
    left join person_weekdays_ranked
        on
            profiles.person_id = person_weekdays_ranked.person_id
            and person_weekdays_ranked.weekday_rank = 1
    left join population_hours_ranked
        on population_hours_ranked.hour_rank = 1
    left join population_weekdays_ranked
        on population_weekdays_ranked.weekday_rank = 1
),

send_times_ranked as (
    select
        person_id,
        engagement_count,
        delivery_count,
        case
            when engagement_count >= {{ var('traits__send_time_min_engagements') }}
                then person_hour
            else population_hour
        end as best_send_hour,
        case
            when engagement_count >= {{ var('traits__send_time_min_engagements') }}
                then person_weekday
            else population_weekday
        end as best_send_weekday,
        case
            when engagement_count >= {{ var('traits__send_time_min_engagements') }}
                then 'person'
            else 'population'
        end as send_time_source
    from send_times_joined
)

select * from send_times_ranked
