{% macro json_array_elements(json_column) -%}
    {#- A table function over the elements of a JSON array, for a lateral join:
        cross join lateral {{ json_array_elements('orders.line_items') }}
            with ordinality as items (line_item, line_position) -#}
    {{ return(adapter.dispatch('json_array_elements', 'email_personalization')(json_column)) }}
{%- endmacro %}
