{% macro duckdb__sha256_hex(text) -%}
    sha256({{ text }})
{%- endmacro %}
