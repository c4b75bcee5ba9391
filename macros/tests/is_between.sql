{% test is_between(model, column_name, min_value=none, max_value=none) %}
    {#- Rows whose column lies outside [min_value, max_value], both bounds included; a
        bound left out (none) does not limit that side. Nulls pass: test them with
        not_null. -#}
    {%- if min_value is none and max_value is none -%}
        {{ exceptions.raise_compiler_error("is_between needs min_value or max_value") }}
    {%- endif %}
    select
        {{ column_name }} as out_of_range_value
    from {{ model }}
    where
        {%- if min_value is not none %}
        {{ column_name }} < {{ min_value }}
        {%- endif %}
        {%- if min_value is not none and max_value is not none %}
        or
        {%- endif %}
        {%- if max_value is not none %}
        {{ column_name }} > {{ max_value }}
        {%- endif %}
{% endtest %}
