{% macro convert_timezone(timestamp_utc, time_zone) -%}
    {#- A timestamp without time zone that holds UTC, as the wall-clock time (again without
        time zone) in an IANA time zone such as 'Europe/Paris', daylight saving included. -#}
    {{ return(adapter.dispatch('convert_timezone', 'email_personalization')(
        timestamp_utc, time_zone
    )) }}
{%- endmacro %}
