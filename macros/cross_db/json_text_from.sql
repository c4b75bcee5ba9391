{% macro json_text_from(texts_column, paths, path) -%}
    {#- One path's text out of a column made by json_get_texts(json_column, paths). -#}
    {%- if path not in paths -%}
        {{ exceptions.raise_compiler_error(
            "json_text_from: " ~ path ~ " is not among the paths of " ~ texts_column
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('json_text_from', 'email_personalization')(
        texts_column, paths, path
    )) }}
{%- endmacro %}
