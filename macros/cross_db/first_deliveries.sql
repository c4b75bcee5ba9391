{% macro first_deliveries(deliveries_cte, key) -%}
    {{ return(adapter.dispatch('first_deliveries', 'email_personalization')(
        deliveries_cte, key
    )) }}
{%- endmacro %}
