{% macro dq_literal_or_null(value) -%}
    {#- sql_literal(value), or null when the value is none. -#}
    {%- if value is none -%}
        null
    {%- else -%}
        {{ sql_literal(value) }}
    {%- endif -%}
{%- endmacro %}
