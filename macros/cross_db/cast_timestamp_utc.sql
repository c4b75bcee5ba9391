{% macro cast_timestamp_utc(text) -%}
    {#- An ISO 8601 string with an offset (or Z) as a plain timestamp in UTC. -#}
    {{ to_utc("cast(" ~ text ~ " as timestamp with time zone)") }}
{%- endmacro %}
