{% macro duckdb__json_object_keys(json_column) -%}
    unnest(json_keys({{ json_column }}))
{%- endmacro %}
