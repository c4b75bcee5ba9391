-- dim_person_activity computes the engagement score again for the real-time path; built
-- for everyone (a batch build), it must give every person in dim_customer_scores the
-- score that model gives (0 where the person has no activity).
with

scores as (
    select
        person_id,
        engagement_score
    from {{ ref('dim_customer_scores') }}
),

activity as (
    select
        person_id,
        engagement_score
    from {{ ref('dim_person_activity') }}
),

scores_differing as (
    select
        scores.person_id,
        scores.engagement_score as scores_engagement_score,
        activity.engagement_score as activity_engagement_score
    from scores
    left join activity
        on scores.person_id = activity.person_id
    where scores.engagement_score <> coalesce(activity.engagement_score, 0)
)

select * from scores_differing
