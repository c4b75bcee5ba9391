{% macro access_target_schemas() -%}
    {#- Every schema of this target in its database: the target schema (seeds), the
        schema of every node (staging, intermediate, marts, activation, snapshots, test
        audit) and of every source (raw, monitoring). Nothing else: other targets
        (schemas sharing a prefix) are never touched. -#}
    {%- set database = (target.database or '') | lower -%}
    {%- set schemas = [target.schema, dq_run_results_relation().schema] -%}
    {%- for node in graph.nodes.values() | list + graph.sources.values() | list -%}
        {%- if node.schema and (node.database or database) | lower == database -%}
            {%- do schemas.append(node.schema) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(schemas | unique | sort | list) }}
{%- endmacro %}
