{% macro identity_node_value(node_sql, identifier_type) -%}
    {#- The value of an identity graph node of the given type (`<type>:<value>`, see
        identity_node): what a source column holds for it, to join sources by plain
        equality (which an index can serve) rather than by building each row's node. -#}
    substr({{ node_sql }}, {{ identifier_type | length + 2 }})
{%- endmacro %}
