{% macro json_get_texts(json_column, paths) -%}
    {{ return(adapter.dispatch('json_get_texts', 'email_personalization')(json_column, paths)) }}
{%- endmacro %}
