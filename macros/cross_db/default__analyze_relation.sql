{% macro default__analyze_relation(relation) -%}
    {#- Engines that keep statistics up to date themselves need nothing. -#}
{%- endmacro %}
