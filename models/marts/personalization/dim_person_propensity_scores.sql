{#- One row per person with features at the as-of date (the scoring cutoff of
    fct_person_propensity_features), scored with the latest propensity and churn models
    that `mailpipe train` stored: purchase_propensity, the probability of a purchase in
    the label window after the as-of date; churn_probability, for people who have bought,
    the probability of none in it. Null before the first training. -#}
{%- set features = propensity_feature_names() -%}
{%- set purchase_linear = propensity_linear_predictor('purchase_model', 'features') -%}
{%- set churn_linear = propensity_linear_predictor('churn_model', 'features') -%}

with

features as (
    select *
    from {{ ref('fct_person_propensity_features') }}
    where cutoff_role = 'scoring'
),

coefficients as (
    select
        model_id,
        model_name,
        label_days,
        holdout_auc,
        feature_name,
        feature_mean,
        feature_scale,
        coefficient
    from {{ ref('stg_predict__propensity_coefficients') }}
    where model_rank = 1
),

models as (
    -- one row per model: its intercept, and per feature the weight of the raw value
    -- (coefficient / scale) and the mean it is centred on (0 and 0 when not trained on)
    select
        model_id,
        model_name,
        label_days,
        holdout_auc,
        max(case when feature_name = '(intercept)' then coefficient end) as intercept,
        {%- for feature in features %}
            coalesce(
                max(
                    case
                        when feature_name = '{{ feature }}'
                            then coefficient / feature_scale
                    end
                ),
                0
            ) as {{ feature }}__weight,
            coalesce(
                max(case when feature_name = '{{ feature }}' then feature_mean end), 0
            ) as {{ feature }}__mean
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from coefficients
    group by model_id, model_name, label_days, holdout_auc
),

purchase_model as (
    select * from models
    where model_name = 'purchase'
),

churn_model as (
    select * from models
    where model_name = 'churn'
),

scored as (
    select
        features.person_id,
        features.cutoff_date as as_of_date,
        purchase_model.model_id as purchase_model_id,
        {{ logistic(purchase_linear) }}
            as purchase_propensity,
        churn_model.model_id as churn_model_id,
        case
            when features.has_ordered = 1
                then {{ logistic(churn_linear) }}
        end as churn_probability,
        coalesce(purchase_model.label_days, churn_model.label_days) as label_days
    from features
    left join purchase_model
        on 1 = 1
    left join churn_model
        on 1 = 1
)

select
    cast(person_id as varchar) as person_id,
    as_of_date,
    cast(purchase_model_id as varchar) as purchase_model_id,
    cast(purchase_propensity as double precision) as purchase_propensity,
    cast(churn_model_id as varchar) as churn_model_id,
    cast(churn_probability as double precision) as churn_probability,
    cast(label_days as {{ dbt.type_bigint() }}) as label_days
from scored
