{% macro postgres__create_table_as(temporary, relation, sql) -%}
    {#- A contracted table is created by `create table ... as select`, its columns cast to
        the contract's types, and its constraints added once the rows are in
        (contract_constraints_added). dbt-postgres creates such a table empty and fills it
        with `insert ... select`, which Postgres runs without parallel workers; a `create
        table as` may scan, join and aggregate in parallel (DECISIONLOG "Performance").
        Anything else is dbt-postgres's create_table_as. -#}
    {%- if config.get('contract').enforced and not temporary %}
    {{ config.get('sql_header') or '' }}
    {{ get_assert_columns_equivalent(sql) }}
    create {% if config.get('unlogged', default=false) %}unlogged {% endif -%}
    table {{ relation }} as
    select
        {%- for column in model['columns'].values() %}
        {%- set name = adapter.quote(column['name']) if column.get('quote') else column['name'] %}
        cast({{ name }} as {{ column['data_type'] }}) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        {{ sql }}
    ) as model_subq;
    {{ contract_constraints_added(relation) }}
    {%- else %}
    {{ dbt.postgres__create_table_as(temporary, relation, sql) }}
    {%- endif %}
{%- endmacro %}
