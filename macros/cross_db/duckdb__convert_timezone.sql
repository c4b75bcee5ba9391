{% macro duckdb__convert_timezone(timestamp_utc, time_zone) -%}
    {#- DuckDB (ICU): timezone('UTC', timestamp) reads it as UTC (a timestamptz),
        timezone(<zone>, timestamptz) gives its wall-clock time there. -#}
    cast(
        timezone(({{ time_zone }}), timezone('UTC', {{ timestamp_utc }}))
        as {{ dbt.type_timestamp() }}
    )
{%- endmacro %}
