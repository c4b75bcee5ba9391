{% macro dq_node_owner(node) -%}
    {#- The team that owns a node: its own `meta.owner`, else (tests) the owner of the
        model it tests; none when nobody is named. -#}
    {%- set own = (node.config.meta or {}).get('owner')
        or (node.meta or {}).get('owner') -%}
    {%- if own -%}
        {{ return(own) }}
    {%- endif -%}
    {%- set tested_id = dq_tested_node_id(node) -%}
    {%- if not tested_id -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set tested = graph.sources.get(tested_id) if tested_id.startswith('source.')
        else graph.nodes.get(tested_id) -%}
    {%- if not tested -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(
        (tested.config.meta or {}).get('owner') or (tested.meta or {}).get('owner')
    ) }}
{%- endmacro %}
