{% macro default__json_array_elements(json_column) -%}
    jsonb_array_elements({{ json_column }})
{%- endmacro %}
