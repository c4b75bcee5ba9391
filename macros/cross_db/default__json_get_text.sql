{% macro default__json_get_text(json_column, path) -%}
    {#- The text at a dotted path of a JSON value (json on DuckDB, jsonb on Postgres), or
        null when the path is missing. Both engines read `->` (value) and `->>` (text). -#}
    {%- set keys = path.split('.') -%}
    ({{ json_column }}
    {%- for key in keys %} {{ '->>' if loop.last else '->' }} {{ sql_literal(key) }}{% endfor -%})
{%- endmacro %}
