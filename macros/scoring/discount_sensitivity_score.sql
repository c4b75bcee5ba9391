{% macro discount_sensitivity_score(discounted_order_count, order_count) -%}
    {#- Discount sensitivity 0-1: the share of orders that carried a discount code. Null
        below var scoring__discount_min_orders orders, where one order says nothing. -#}
    case
        when {{ order_count }} >= {{ var('scoring__discount_min_orders') }}
            then cast({{ discounted_order_count }} as {{ dbt.type_numeric() }})
            / {{ order_count }}
    end
{%- endmacro %}
