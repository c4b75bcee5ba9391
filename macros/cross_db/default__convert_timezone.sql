{% macro default__convert_timezone(timestamp_utc, time_zone) -%}
    {#- Standard SQL (Postgres): AT TIME ZONE 'UTC' reads the plain timestamp as UTC (giving
        a timestamp with time zone), AT TIME ZONE <zone> gives its wall-clock time there. -#}
    cast(
        (({{ timestamp_utc }}) at time zone 'UTC') at time zone ({{ time_zone }})
        as {{ dbt.type_timestamp() }}
    )
{%- endmacro %}
