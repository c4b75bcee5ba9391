{% macro duckdb__json_array_elements(json_column) -%}
    unnest(cast({{ json_column }} as json[]))
{%- endmacro %}
