{% test is_listed_in(model, columns, to) %}
    {#- Rows whose combination of `columns` has no row with the same values in `to` (a
        seed or model with columns of the same names), such as a new key not yet in a
        list of known ones. Returns the model's whole rows. -#}
    select model_rows.*
    from {{ model }} as model_rows
    where not exists (
        select 1
        from {{ to }} as listed
        where
            {%- for column in columns %}
            listed.{{ column }} = model_rows.{{ column }}
            {%- if not loop.last %}
            and
            {%- endif %}
            {%- endfor %}
    )
{% endtest %}
