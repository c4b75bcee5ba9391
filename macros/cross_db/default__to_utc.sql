{% macro default__to_utc(timestamp_tz) -%}
    {#- A timestamp with time zone as a plain timestamp in UTC, whatever the session's zone. -#}
    cast(({{ timestamp_tz }}) at time zone 'UTC' as {{ dbt.type_timestamp() }})
{%- endmacro %}
