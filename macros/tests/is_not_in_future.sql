{% test is_not_in_future(model, column_name, tolerance_minutes=none) %}
    {#- Rows whose timestamp (UTC) lies later than now plus a tolerance, in minutes
        (default: var data_quality__future_tolerance_minutes), which absorbs clock
        differences between the sources and the warehouse. Nulls pass: test them with
        not_null. -#}
    {%- set tolerance_minutes = tolerance_minutes if tolerance_minutes is not none
        else var('data_quality__future_tolerance_minutes') -%}
    select
        {{ column_name }} as future_timestamp
    from {{ model }}
    where
        {{ column_name }} > {{ dbt.dateadd(
            'minute',
            tolerance_minutes,
            to_utc(dbt.current_timestamp())
        ) }}
{% endtest %}
