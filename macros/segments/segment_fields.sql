{% macro segment_fields(model_aliases) -%}
    {#- The columns segment rules may use: those documented for the given models, read
        from the project's graph, as {column: alias of the model it is read from} (the
        first model documenting a column wins). A rule naming an undocumented or misspelt
        column then fails at compile time with the list of valid ones. None while
        parsing and in unit tests, where there is no graph to read. -#}
    {%- set nodes = graph.get('nodes') -%}
    {%- if not execute or nodes is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set fields = {} -%}
    {%- for model_name, alias in model_aliases.items() -%}
        {%- for node in nodes.values() -%}
            {%- if node.resource_type == 'model' and node.name == model_name -%}
                {%- for column in node.columns -%}
                    {%- if column not in fields and column != 'person_id' -%}
                        {%- do fields.update({column: alias}) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(fields) }}
{%- endmacro %}
