{% macro default__json_get_texts(json_column, paths) -%}
    {#- Postgres: jsonb is stored parsed, so the document itself; json_text_from reads each
        path from it with `->>`. (An array of the texts would be rebuilt for every element
        read: Postgres inlines the CTE's expression into each reference.) -#}
    {{ json_column }}
{%- endmacro %}
