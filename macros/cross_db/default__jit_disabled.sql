{% macro default__jit_disabled() -%}
    {#- DuckDB compiles no expressions to machine code: nothing to turn off. -#}
{%- endmacro %}
