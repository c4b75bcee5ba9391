{#- One row per coefficient of each propensity or churn model that `mailpipe train`
    stored, newest model first within its name (model_rank 1: the one
    dim_person_propensity_scores scores with). -#}
with

source as (
    select
        model_id,
        model_name,
        trained_at,
        label_days,
        holdout_cutoff_date,
        training_row_count,
        training_positive_count,
        holdout_row_count,
        holdout_positive_count,
        training_auc,
        holdout_auc,
        l2_penalty,
        feature_name,
        feature_mean,
        feature_scale,
        coefficient
    from {{ source('predict', 'propensity_model_coefficients') }}
),

coefficients_ranked as (
    select
        *,
        dense_rank() over (
            partition by model_name order by trained_at desc, model_id asc
        ) as model_rank
    from source
)

select * from coefficients_ranked
