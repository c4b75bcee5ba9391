{% macro json_array_length(json_column) -%}
    {{ return(adapter.dispatch('json_array_length', 'email_personalization')(json_column)) }}
{%- endmacro %}
