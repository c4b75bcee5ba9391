{% macro identity_node(identifier_type, value_sql) -%}
    {#- An identity graph node: `<type>:<value>`, or null when the value is empty. -#}
    case
        when nullif(trim({{ value_sql }}), '') is not null
            then {{ sql_literal(identifier_type) }} || ':' || trim({{ value_sql }})
    end
{%- endmacro %}
