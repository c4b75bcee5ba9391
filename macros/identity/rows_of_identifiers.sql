{% macro rows_of_identifiers(relation, column, identifiers, identifier_type) -%}
    {#- The rows of `relation` whose `column` holds one of the identifiers of the given type
        in `identifiers` (a CTE with identifier_node), joined by plain equality on the
        value so that Postgres can use an index on the column. -#}
    select {{ relation }}.*
    from {{ relation }}
    inner join {{ identifiers }}
        on {{ relation }}.{{ column }} = {{ identity_node_value(
            identifiers ~ '.identifier_node', identifier_type
        ) }}
    where {{ identifiers }}.identifier_node like '{{ identifier_type }}:%'
{%- endmacro %}
