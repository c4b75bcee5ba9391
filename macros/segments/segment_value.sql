{% macro segment_value(value, where) -%}
    {#- A value of a segment rule as SQL: numbers as numbers, booleans as true/false, text
        as an escaped string literal. Anything else is refused. -#}
    {%- if value is boolean -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- elif value is string -%}
        {{ sql_literal(value) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": value " ~ value ~ " is not a number, a boolean or a text"
        ) }}
    {%- endif -%}
{%- endmacro %}
