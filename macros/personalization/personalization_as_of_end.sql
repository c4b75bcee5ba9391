{% macro personalization_as_of_end() -%}
    {#- The end of the as-of day as a SQL timestamp (the start of the day after var
        personalization__as_of_date), or none when no date is set: events at or after it
        are left out of models read as of that date (consent, contactability, the customer
        360's tags). -#}
    {%- set as_of = var('personalization__as_of_date') -%}
    {%- if as_of is none -%}
    {{ return(none) }}
    {%- else -%}
    {{ return(dbt.dateadd('day', 1, dbt.cast(sql_literal(as_of), dbt.type_timestamp()))) }}
    {%- endif -%}
{%- endmacro %}
