{% macro rfm_frequency_score(order_count) -%}
    {#- Frequency score 1-5 from the number of orders: var scoring__rfm_frequency_min_orders
        holds the lowest order count of scores 2, 3, 4 and 5. Null or no order gives
        null. -#}
    {%- set bounds = var('scoring__rfm_frequency_min_orders') -%}
    {%- if bounds | length != 4 or bounds != bounds | sort -%}
        {{ exceptions.raise_compiler_error(
            "scoring__rfm_frequency_min_orders needs 4 ascending bounds, got " ~ bounds
        ) }}
    {%- endif -%}
    case
        when {{ order_count }} is null or {{ order_count }} < 1 then null
        {%- for bound in bounds | reverse %}
        when {{ order_count }} >= {{ bound }} then {{ 5 - loop.index0 }}
        {%- endfor %}
        else 1
    end
{%- endmacro %}
