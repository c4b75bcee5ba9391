{% macro purchase_intent_points(
    product_view_count, add_to_cart_count, checkout_started_count, age_days
) -%}
    {#- Points of one visit's shopping signals: product views, add-to-carts and checkouts
        started, each weighted by var scoring__intent_weights, halved every
        var scoring__intent_half_life_days days of age. -#}
    {%- set weights = var('scoring__intent_weights') -%}
    {%- set weight -%}
        {{ weights['product_view'] }} * coalesce({{ product_view_count }}, 0)
        + {{ weights['add_to_cart'] }} * coalesce({{ add_to_cart_count }}, 0)
        + {{ weights['checkout_started'] }} * coalesce({{ checkout_started_count }}, 0)
    {%- endset -%}
    {{ decayed_weight(weight, age_days, var('scoring__intent_half_life_days')) }}
{%- endmacro %}
