{% macro jit_disabled() -%}
    {{ return(local_settings({'jit': 'off'})) }}
{%- endmacro %}
