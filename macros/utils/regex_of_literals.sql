{% macro regex_of_literals(substrings) -%}
    {#- A regular expression matching any of the substrings taken literally: each one's
        metacharacters escaped with a backslash, joined by |. The escapes mean the same
        to RE2 (DuckDB) and Postgres's advanced regular expressions. -#}
    {%- set escaped = [] -%}
    {%- for substring in substrings -%}
        {%- set characters = [] -%}
        {%- for character in substring | string -%}
            {%- if character in '\\.^$|?*+()[]{}' -%}
                {%- do characters.append('\\' ~ character) -%}
            {%- else -%}
                {%- do characters.append(character) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do escaped.append(characters | join('')) -%}
    {%- endfor -%}
    {{ return(escaped | join('|')) }}
{%- endmacro %}
