{% macro typical_order_gap_days(own_gap_days, order_count, population_gap_days) -%}
    {#- The days a person usually leaves between orders: their own mean gap once they have
        var scoring__churn_min_orders orders, else the population's typical gap; never
        below var scoring__churn_min_gap_days (orders days apart are one shopping spree,
        and a zero gap would divide by zero). Null without an order. -#}
    case
        when {{ order_count }} is null or {{ order_count }} < 1 then null
        else greatest(
            case
                when {{ order_count }} >= {{ var('scoring__churn_min_orders') }}
                    then {{ own_gap_days }}
                else {{ population_gap_days }}
            end,
            {{ var('scoring__churn_min_gap_days') }}
        )
    end
{%- endmacro %}
