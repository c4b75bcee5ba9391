{% test is_valid_email(model, column_name) %}
    {#- Rows whose column is not a plausible email: something, an @, something, a dot and
        something (`like '%_@_%._%'`), with no space anywhere. A portable shape check
        (no regular expressions, whose functions differ between engines), looser than
        the loader's rule. Nulls pass: test them with not_null. -#}
    select
        {{ column_name }} as invalid_email
    from {{ model }}
    where
        {{ column_name }} is not null
        and (
            {{ column_name }} not like '%_@_%._%'
            or {{ column_name }} like '% %'
        )
{% endtest %}
