{% macro json_quote(text) -%}
    {#- A text as a JSON string (double-quoted, backslashes and double quotes escaped);
        plain concatenation, so every engine gives the same text. Control characters are
        not escaped: use it for identifiers, not free text. -#}
    ('"' || replace(replace({{ text }}, '\', '\\'), '"', '\"') || '"')
{%- endmacro %}
