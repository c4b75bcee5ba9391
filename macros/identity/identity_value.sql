{% macro identity_value(value_sql) -%}
    {#- The value an identifier has in the identity graph: trimmed, empty as null. The
        value part of its node (identity_node), and what a source column is compared with
        to find its person in a slice of int_identity_person_keys_assigned of one
        identifier_type, by its identifier_value. -#}
    nullif(trim({{ value_sql }}), '')
{%- endmacro %}
