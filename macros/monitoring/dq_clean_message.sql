{% macro dq_clean_message(message) -%}
    {#- A result message fit to store: whitespace and control characters collapsed to
        one space, credentials in connection strings and `password=...`-style pairs
        masked, cut to var('monitoring__message_max_chars') characters; none stays
        none. -#}
    {%- if message is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set re = modules.re -%}
    {%- set text = re.sub('[\\s\\x00-\\x1f\\x7f]+', ' ', message | string) | trim -%}
    {%- set text = re.sub('://[^/\\s@]+@', '://***@', text) -%}
    {%- set text = re.sub(
        '(?i)\\b(password|passwd|pwd|secret|token|api[_-]?key)(\\s*[=:]\\s*)[^\\s,;&]+',
        '\\1\\2***',
        text,
    ) -%}
    {%- set limit = var('monitoring__message_max_chars') | int -%}
    {{ return(text[:limit - 3] ~ '...' if text | length > limit else text) }}
{%- endmacro %}
