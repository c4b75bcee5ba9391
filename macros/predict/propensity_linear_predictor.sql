{% macro propensity_linear_predictor(model_alias, features_alias) -%}
    {#- The linear predictor of a stored propensity model for one row of features:
        intercept + the sum over propensity_feature_names() of
        feature_weight * (feature - feature_mean), where weight = coefficient / scale of
        the standardised feature (dim_person_propensity_scores pivots them so). A feature
        the model was not trained on has weight 0. -#}
    ({{ model_alias }}.intercept
    {%- for feature in propensity_feature_names() %}
        + {{ model_alias }}.{{ feature }}__weight
        * ({{ features_alias }}.{{ feature }} - {{ model_alias }}.{{ feature }}__mean)
    {%- endfor %})
{%- endmacro %}
