{% macro access_readers() -%}
    {#- The reader roles, the one schema each may read and the relations of this project
        in it: the BI reader the marts, the email platform the activation exports. A role
        var set to null or '' drops that reader. -#}
    {%- set readers = [] -%}
    {%- for role_var, layer in [
        ('access__bi_reader_role', 'marts'),
        ('access__email_platform_role', 'activation'),
    ] -%}
        {%- set role = var(role_var, none) -%}
        {%- set schema = target.schema ~ '_' ~ layer -%}
        {%- set relations = [] -%}
        {%- for node in graph.nodes.values()
            if node.resource_type in ('model', 'seed', 'snapshot')
            and node.schema == schema
            and node.config.materialized != 'ephemeral' -%}
            {%- do relations.append(node.alias or node.name) -%}
        {%- endfor -%}
        {%- if role -%}
            {%- do readers.append({
                'role': role, 'schema': schema, 'relations': relations | sort | list
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(readers) }}
{%- endmacro %}
