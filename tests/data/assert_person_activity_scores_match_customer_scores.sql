-- dim_person_activity computes the engagement score and the order scores again for the
-- real-time path; built for everyone (a batch build), it must give every person in
-- dim_customer_scores the scores that model gives (an engagement score of 0 and no order
-- scores where the person has no activity).
with

scores as (
    select
        person_id,
        engagement_score,
        recency_score,
        frequency_score,
        days_since_last_order,
        churn_risk_score,
        discount_sensitivity_score
    from {{ ref('dim_customer_scores') }}
),

activity as (
    select
        person_id,
        engagement_score,
        recency_score,
        frequency_score,
        days_since_last_order,
        churn_risk_score,
        discount_sensitivity_score
    from {{ ref('dim_person_activity') }}
),

scores_differing as (
    select
        scores.person_id,
        scores.engagement_score as scores_engagement_score,
        activity.engagement_score as activity_engagement_score,
        scores.churn_risk_score as scores_churn_risk_score,
        activity.churn_risk_score as activity_churn_risk_score
    from scores
    left join activity
        on scores.person_id = activity.person_id
    where
        scores.engagement_score <> coalesce(activity.engagement_score, 0)
        or scores.recency_score is distinct from activity.recency_score
        or scores.frequency_score is distinct from activity.frequency_score
        or scores.days_since_last_order is distinct from activity.days_since_last_order
        or scores.churn_risk_score is distinct from activity.churn_risk_score
        or scores.discount_sensitivity_score
        is distinct from activity.discount_sensitivity_score
)

select * from scores_differing
