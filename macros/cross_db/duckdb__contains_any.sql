{% macro duckdb__contains_any(column, substrings) -%}
    {#- DuckDB: regexp_matches with the 'i' option matches ignoring case. -#}
    coalesce(
        regexp_matches({{ column }}, {{ sql_literal(regex_of_literals(substrings)) }}, 'i'),
        false
    )
{%- endmacro %}
