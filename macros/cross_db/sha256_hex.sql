{% macro sha256_hex(text) -%}
    {{ return(adapter.dispatch('sha256_hex', 'email_personalization')(text)) }}
{%- endmacro %}
