{% macro sql_literal_list(values) -%}
    {#- A list of values as quoted SQL literals separated by commas, for `in (...)`. -#}
    {%- for value in values -%}
        {{ sql_literal(value) }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
