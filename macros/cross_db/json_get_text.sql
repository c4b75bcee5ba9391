{% macro json_get_text(json_column, path) -%}
    {{ return(adapter.dispatch('json_get_text', 'email_personalization')(json_column, path)) }}
{%- endmacro %}
