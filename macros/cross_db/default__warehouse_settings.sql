{% macro default__warehouse_settings() -%}
    {#- Postgres: the server's settings (README "Postgres settings"). -#}
{%- endmacro %}
