{% macro duckdb__json_array_length(json_column) -%}
    json_array_length({{ json_column }})
{%- endmacro %}
