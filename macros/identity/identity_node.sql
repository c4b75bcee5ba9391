{% macro identity_node(identifier_type, value_sql) -%}
    {#- An identity graph node: `<type>:<value>` (identity_value), or null when the value
        is empty. -#}
    {{ sql_literal(identifier_type) }} || ':' || {{ identity_value(value_sql) }}
{%- endmacro %}
