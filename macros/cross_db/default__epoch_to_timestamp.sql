{% macro default__epoch_to_timestamp(epoch, unit='second') -%}
    {#- to_timestamp(double) gives a timestamptz on DuckDB and Postgres alike; the result is
        a timestamp without time zone, in UTC. -#}
    {%- set seconds = epoch if unit == 'second' else '(' ~ epoch ~ ') / 1000.0' -%}
    cast(to_timestamp({{ seconds }}) at time zone 'UTC' as {{ dbt.type_timestamp() }})
{%- endmacro %}
