{% macro json_text_array_agg(text, order_by) -%}
    {#- An aggregate: the group's texts as a JSON array in text form, ordered, such as
        ["P1","P2"] (no spaces), built with dbt.listagg so that every engine gives the same
        text. Null texts are skipped; a group of only nulls gives null. -#}
    ('[' || {{ dbt.listagg(json_quote(text), "','", 'order by ' ~ order_by) }} || ']')
{%- endmacro %}
