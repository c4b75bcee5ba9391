{% macro contract_columns_without_keys() -%}
    {#- dbt's column list of a contracted table (names, types, not null and check
        constraints) without its primary key and unique constraints, for DuckDB, which
        would enforce a key with an ART index built row by row. (Postgres creates a
        contracted table with `create table as` and adds its constraints after the rows:
        postgres__create_table_as.) -#}
    {%- set keys = ['primary_key', 'unique'] -%}
    {%- set columns = {} -%}
    {%- for name, column in model['columns'].items() -%}
        {%- set kept = dict(column) -%}
        {%- do kept.update({'constraints': column.get('constraints', [])
            | rejectattr('type', 'in', keys) | list}) -%}
        {%- do columns.update({name: kept}) -%}
    {%- endfor -%}
    {%- set model_constraints = model.get('constraints', [])
        | rejectattr('type', 'in', keys) | list -%}
    {%- set raw_column_constraints = adapter.render_raw_columns_constraints(
        raw_columns=columns
    ) -%}
    {%- set raw_model_constraints = adapter.render_raw_model_constraints(
        raw_constraints=model_constraints
    ) -%}
    (
    {% for c in raw_column_constraints -%}
        {{ c }}{{ "," if not loop.last or raw_model_constraints }}
    {% endfor %}
    {% for c in raw_model_constraints -%}
        {{ c }}{{ "," if not loop.last }}
    {% endfor -%}
    )
{%- endmacro %}
