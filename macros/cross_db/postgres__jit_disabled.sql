{% macro postgres__jit_disabled() -%}
    {#- JIT off for the statements of the model's transaction (set local ends with it). -#}
    set local jit = off
{%- endmacro %}
