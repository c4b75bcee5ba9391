{% macro contract_keys_added(relation) -%}
    {#- The statements that add a contracted table's primary key and unique constraints
        (model-level, or on one column) once its rows are in; nothing when it has none. -#}
    {%- set keys = ['primary_key', 'unique'] -%}
    {%- set found = [] -%}
    {%- for c in model.get('constraints', []) if c.type in keys -%}
        {%- do found.append((c.type, c.name, c.columns)) -%}
    {%- endfor -%}
    {%- for name, column in model['columns'].items() -%}
        {%- for c in column.get('constraints', []) if c.type in keys -%}
            {%- do found.append((c.type, c.name, [name])) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for type, name, columns in found %}
    alter table {{ relation }} add
        {%- if name %} constraint {{ adapter.quote(name) }}{% endif %}
        {{ 'primary key' if type == 'primary_key' else 'unique' }} ({{ columns | join(', ') }});
    {%- endfor -%}
{%- endmacro %}
