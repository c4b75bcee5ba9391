{% macro default__json_get(json_column, path) -%}
    {#- The JSON value at a dotted path (json on DuckDB, jsonb on Postgres), kept whole. -#}
    ({{ json_column }}{% for key in path.split('.') %} -> {{ sql_literal(key) }}{% endfor %})
{%- endmacro %}
