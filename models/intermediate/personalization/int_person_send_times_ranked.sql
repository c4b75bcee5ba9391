{#- One row per person: the local hour (0-23) and ISO weekday (1 = Monday) at which they
    engage with email most often, from the messages they engaged with
    (int_person_email_engagements_localized), when there are at least
    traits__send_time_min_engagements of them; else the population's best hour and
    weekday (over everyone's engagements), and `send_time_source` says which. Ties go to
    the most recent engagement, then the earlier hour or day. -#}
with

profiles as (
    select person_id
    from {{ ref('int_customer_profiles_merged') }}
),

engagements as (
    select
        person_id,
        engaged_at,
        local_hour,
        local_weekday
    from {{ ref('int_person_email_engagements_localized') }}
),

engagements_counted as (
    select
        person_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as engagement_count
    from engagements
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

person_weekdays_ranked as (
    select
        person_id,
        local_weekday,
        row_number() over (
            partition by person_id
            order by count(*) desc, max(engaged_at) desc, local_weekday asc
        ) as weekday_rank
    from engagements
    group by person_id, local_weekday
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

population_weekdays_ranked as (
    select
        local_weekday,
        row_number() over (
            order by count(*) desc, max(engaged_at) desc, local_weekday asc
        ) as weekday_rank
    from engagements
    group by local_weekday
),

send_times_joined as (
    select
        profiles.person_id,
        coalesce(engagements_counted.engagement_count, 0) as engagement_count,
        person_hours_ranked.local_hour as person_hour,
        person_weekdays_ranked.local_weekday as person_weekday,
        population_hours_ranked.local_hour as population_hour,
        population_weekdays_ranked.local_weekday as population_weekday
    from profiles
    left join engagements_counted
        on profiles.person_id = engagements_counted.person_id
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
