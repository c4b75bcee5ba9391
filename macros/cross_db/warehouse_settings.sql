{% macro warehouse_settings() -%}
    {{ return(adapter.dispatch('warehouse_settings', 'email_personalization')()) }}
{%- endmacro %}
