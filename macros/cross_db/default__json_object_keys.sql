{% macro default__json_object_keys(json_column) -%}
    jsonb_object_keys({{ json_column }})
{%- endmacro %}
