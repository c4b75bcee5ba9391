{% macro postgres__create_table_as(temporary, relation, sql) -%}
    {#- dbt-postgres's create_table_as, and then a contracted table's primary key and
        unique constraints. A key declared in the create statement is a B-tree that every
        inserted row updates; added after the insert, it is built by one sort:
        fct_email_events at 100k customers, 19.5-22.0 s → 10.8-12.7 s (DECISIONLOG
        "Performance"). The key is still in place before the table replaces the old one
        and its readers see it. -#}
    {{ dbt.postgres__create_table_as(temporary, relation, sql) }}
    {%- if config.get('contract').enforced and not temporary %}
    {{ contract_keys_added(relation) }}
    {%- endif %}
{%- endmacro %}
