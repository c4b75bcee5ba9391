{% macro default__json_get_texts(json_column, paths) -%}
    {#- Postgres: jsonb is stored parsed, so an array of json_get_text, one per path. -#}
    array[
        {%- for path in paths %}
        {{ json_get_text(json_column, path) }}{{ ',' if not loop.last }}
        {%- endfor %}
    ]
{%- endmacro %}
