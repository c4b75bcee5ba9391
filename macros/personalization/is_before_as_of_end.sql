{% macro is_before_as_of_end(column) -%}
    {#- A predicate: the timestamp `column` is before personalization_as_of_end() (with no
        as-of date set: simply not null). -#}
    {%- set as_of = personalization_as_of_end() -%}
    {%- if as_of is none -%}
    {{ column }} is not null
    {%- else -%}
    {{ column }} < {{ as_of }}
    {%- endif -%}
{%- endmacro %}
