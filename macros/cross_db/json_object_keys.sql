{% macro json_object_keys(json_column) -%}
    {#- A table function over the top-level keys of a JSON object, for a lateral join:
        cross join lateral {{ json_object_keys('raw._extra') }} as extra_keys (extra_key)
        A null column gives no rows. -#}
    {{ return(adapter.dispatch('json_object_keys', 'email_personalization')(json_column)) }}
{%- endmacro %}
