{% macro sql_literal(value) -%}
    {#- A value from a var or a seed as a quoted SQL string literal, quotes escaped. -#}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
