{% macro duckdb__json_get_texts(json_column, paths) -%}
    {#- One parse of the JSON text for all the paths: json_extract_string with a list of
        JSONPaths (keys quoted) gives a list of texts. Each `->>` would parse it again
        (context's 11 paths at 100k customers: 3.8 s, against 1.3 s). -#}
    {%- set json_paths = [] -%}
    {%- for path in paths -%}
        {%- for key in path.split('.') if '"' in key or key == '' -%}
            {{ exceptions.raise_compiler_error(
                "json_get_texts: key " ~ key ~ " of path " ~ path ~ " is empty or holds a quote"
            ) }}
        {%- endfor -%}
        {%- do json_paths.append(sql_literal('$."' ~ path.split('.') | join('"."') ~ '"')) -%}
    {%- endfor -%}
    json_extract_string({{ json_column }}, [{{ json_paths | join(', ') }}])
{%- endmacro %}
