{% macro reporting_amount(amount, rate='rate_to_reporting') -%}
    {#- An amount in the order's currency converted to the reporting currency (var
        commerce__reporting_currency) with the rate of the order's date, to cents. -#}
    cast({{ amount }} * {{ rate }} as numeric(28, 2))
{%- endmacro %}
