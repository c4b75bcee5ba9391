{% macro contains_any(column, substrings) -%}
    {#- True when the column contains any of the substrings, ignoring case; false for a
        null column or an empty list. One case-insensitive regular expression of the
        escaped substrings (regex_of_literals), not a lower() and a search per substring:
        neither engine shares the lower-casing between them (dispatched). -#}
    {%- if substrings | length == 0 -%}
        false
    {%- else -%}
        {{ return(adapter.dispatch('contains_any', 'email_personalization')(
            column, substrings
        )) }}
    {%- endif -%}
{%- endmacro %}
