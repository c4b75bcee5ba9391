{% macro jit_disabled() -%}
    {{ return(adapter.dispatch('jit_disabled', 'email_personalization')()) }}
{%- endmacro %}
