{% macro default__contains_any(column, substrings) -%}
    {#- Postgres: ~* matches ignoring case. -#}
    coalesce(({{ column }}) ~* {{ sql_literal(regex_of_literals(substrings)) }}, false)
{%- endmacro %}
