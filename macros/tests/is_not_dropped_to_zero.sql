{% test is_not_dropped_to_zero(
    model,
    column_name,
    series_column='metric_name',
    date_column='metric_date',
    series=none,
    days_tested=none,
    lookback_days=none,
    min_active_days=none
) %}
    {#- Tested days (each series' latest `days_tested`) whose value is zero (or null)
        after at least `min_active_days` of the `lookback_days` days before had a value
        above zero: a feed or a send that stopped (see the zero_drops_checked macro). -#}
    select *
    from (
        {{ zero_drops_checked(
            relation=model,
            value_column=column_name,
            series_column=series_column,
            date_column=date_column,
            series=series,
            days_tested=days_tested,
            lookback_days=lookback_days,
            min_active_days=min_active_days
        ) }}
    ) as zero_drops
    where is_dropped_to_zero
{% endtest %}
