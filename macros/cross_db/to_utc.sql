{% macro to_utc(timestamp_tz) -%}
    {{ return(adapter.dispatch('to_utc', 'email_personalization')(timestamp_tz)) }}
{%- endmacro %}
