{% test is_not_negative(model, column_name) %}
    {#- Rows whose amount (or count) is below zero. Zero passes (a fully refunded order
        nets to zero). Nulls pass: test them with not_null. -#}
    select
        {{ column_name }} as negative_value
    from {{ model }}
    where {{ column_name }} < 0
{% endtest %}
