{% macro json_get(json_column, path) -%}
    {{ return(adapter.dispatch('json_get', 'email_personalization')(json_column, path)) }}
{%- endmacro %}
