{% test unique_combination_of_columns(model, columns) %}
    {#- Rows whose combination of `columns` appears more than once. -#}
    select
        {{ columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
