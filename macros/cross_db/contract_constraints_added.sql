{% macro contract_constraints_added(relation) -%}
    {#- The statements that add a contracted table's constraints once its rows are in: its
        not null columns and check constraints in one `alter table` (Postgres checks them
        all in one scan of the table), any other model-level constraint in the same
        statement, then its primary key and unique constraints (contract_keys_added, one
        sort each). A column-level constraint of another type (a foreign key, a custom
        one) stops the compile: declared at model level it can be added the same way. -#}
    {%- set keys = ['primary_key', 'unique'] -%}
    {%- set actions = [] -%}
    {%- for column in model['columns'].values() -%}
        {%- set name = adapter.quote(column['name']) if column.get('quote') else column['name'] -%}
        {%- for c in column.get('constraints', []) -%}
            {%- if c.type == 'not_null' -%}
                {%- do actions.append('alter column ' ~ name ~ ' set not null') -%}
            {%- elif c.type == 'check' -%}
                {%- do actions.append('add '
                    ~ ('constraint ' ~ adapter.quote(c.name) ~ ' ' if c.name else '')
                    ~ 'check (' ~ c.expression ~ ')') -%}
            {%- elif c.type not in keys -%}
                {{ exceptions.raise_compiler_error(
                    model['name'] ~ '.' ~ column['name'] ~ ': a column-level ' ~ c.type
                    ~ ' constraint cannot be added to the table after its rows;'
                    ~ ' declare it under the model\'s constraints instead') }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set model_constraints = model.get('constraints', [])
        | rejectattr('type', 'in', keys) | list -%}
    {%- for rendered in adapter.render_raw_model_constraints(
        raw_constraints=model_constraints
    ) -%}
        {%- do actions.append('add ' ~ rendered) -%}
    {%- endfor -%}
    {%- if actions %}
    alter table {{ relation }}
        {{ actions | join(',\n        ') }};
    {%- endif %}
    {{ contract_keys_added(relation) }}
{%- endmacro %}
