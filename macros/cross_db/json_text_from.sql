{% macro json_text_from(texts_column, paths, path) -%}
    {#- The text of one path out of a column made by json_get_texts(json_column, paths):
        its element at the path's position (lists and arrays count from 1 on DuckDB and
        Postgres alike). -#}
    {%- if path not in paths -%}
        {{ exceptions.raise_compiler_error(
            "json_text_from: " ~ path ~ " is not among the paths of " ~ texts_column
        ) }}
    {%- endif -%}
    {{ texts_column }}[{{ paths.index(path) + 1 }}]
{%- endmacro %}
