{% macro default__json_array_length(json_column) -%}
    jsonb_array_length({{ json_column }})
{%- endmacro %}
