{% macro duckdb__json_text_from(texts_column, paths, path) -%}
    {#- The list's element at the path's position (lists count from 1). -#}
    {{ texts_column }}[{{ paths.index(path) + 1 }}]
{%- endmacro %}
