{% macro default__grant_access(readers, schemas) -%}
    {#- Engines without roles and grants (DuckDB, a file only its user opens) need
        nothing. -#}
    {{ return('') }}
{%- endmacro %}
