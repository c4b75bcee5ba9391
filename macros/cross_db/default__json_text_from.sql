{% macro default__json_text_from(texts_column, paths, path) -%}
    {#- Postgres: the column is the jsonb document; the path read with `->>`. -#}
    {{ json_get_text(texts_column, path) }}
{%- endmacro %}
