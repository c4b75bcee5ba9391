{% macro propensity_feature_names() -%}
    {#- The features of the propensity and churn models, in the order
        fct_person_propensity_features holds them: what `mailpipe train` fits and
        dim_person_propensity_scores scores. A new feature is a column of that model and a
        name here. -#}
    {{ return([
        'has_ordered',
        'order_recency_days',
        'order_count_log',
        'lifetime_order_count_log',
        'net_revenue_log',
        'discounted_order_share',
        'email_delivered_count_log',
        'email_opened_count_log',
        'email_clicked_count_log',
        'engagement_recency_days',
        'engagement_points_log',
        'web_session_count_log',
        'add_to_cart_count_log',
        'intent_points_log',
        'tenure_days_log',
    ]) }}
{%- endmacro %}
