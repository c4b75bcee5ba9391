{% macro email_key_of_address(email) -%}
    {#- email_key of a normalised address. -#}
    case when {{ email }} is not null then {{ email_key(sha256_hex(email)) }} end
{%- endmacro %}
