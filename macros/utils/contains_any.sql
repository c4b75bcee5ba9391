{% macro contains_any(column, substrings) -%}
    {#- True when lower(column) contains any of the (lower-case) substrings; false for an
        empty list. Each substring is a quoted literal (no pattern syntax). -#}
    {%- if substrings | length == 0 -%}
    false
    {%- else -%}
    (
        {%- for s in substrings %}
        {% if not loop.first %}or {% endif -%}
        strpos(lower(coalesce({{ column }}, '')), {{ sql_literal(s | lower) }}) > 0
        {%- endfor %}
    )
    {%- endif -%}
{%- endmacro %}
