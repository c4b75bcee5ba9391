{% macro person_keys_of_type(identifier_type) -%}
    {#- The body of an import CTE: the person of each identifier of one type in the
        identity graph, by its value (identifier_value, person_id). A model finds the
        person of a staged column by joining identifier_value with it: staging keeps ids
        as identity_value gives them. -#}
    select
        identifier_value,
        person_id
    from {{ ref('int_identity_person_keys_assigned') }}
    where identifier_type = {{ sql_literal(identifier_type) }}
{%- endmacro %}
