{% macro own_order_gap_days(order_span_days, order_count) -%}
    {#- A person's mean gap between orders (days): first to last order over the gaps
        between them. Null below two orders. -#}
    case
        when {{ order_count }} > 1
            then cast({{ order_span_days }} as {{ dbt.type_numeric() }})
                / ({{ order_count }} - 1)
    end
{%- endmacro %}
