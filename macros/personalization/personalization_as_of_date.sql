{% macro personalization_as_of_date() -%}
    {#- The date scores, traits and the customer 360's tags are computed as of, as a SQL
        date: var personalization__as_of_date when set (unit tests and backfills pin it),
        else today in UTC. Events after it are left out; ages are counted up to it. -#}
    {%- set as_of = var('personalization__as_of_date') -%}
    {%- if as_of is none -%}
    cast({{ to_utc(dbt.current_timestamp()) }} as date)
    {%- else -%}
    cast({{ sql_literal(as_of) }} as date)
    {%- endif -%}
{%- endmacro %}
