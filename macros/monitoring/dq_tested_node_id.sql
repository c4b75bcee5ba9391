{% macro dq_tested_node_id(node) -%}
    {#- The unique_id of the model (seed, snapshot, source) a data or unit test tests;
        none for any other node. Generic tests name it (attached_node), unit tests too
        (tested_node_unique_id); a singular test tests the first model it reads. -#}
    {%- if node.resource_type not in ('test', 'unit_test') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if node.attached_node -%}
        {{ return(node.attached_node) }}
    {%- endif -%}
    {%- if node.tested_node_unique_id -%}
        {{ return(node.tested_node_unique_id) }}
    {%- endif -%}
    {%- for parent in node.depends_on.nodes
        if parent.split('.')[0] in ('model', 'seed', 'snapshot', 'source') -%}
        {{ return(parent) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}
