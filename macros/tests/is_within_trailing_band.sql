{% test is_within_trailing_band(
    model,
    column_name,
    series_column='metric_name',
    date_column='metric_date',
    series=none,
    direction='both',
    days_tested=none,
    baseline_days=none,
    stddev_threshold=none,
    min_baseline_size=none,
    same_weekday_series=none,
    weekday_baseline_days=none,
    sample_size_column=none,
    min_sample_size=none
) %}
    {#- Tested days (each series' latest `days_tested`) whose value lies outside the band
        of its trailing baseline, mean +/- stddev_threshold x stddev, the tested days
        excluded from the baseline (see the trailing_band_checked macro). `direction`:
        both, above (spikes only) or below (drops only). A baseline smaller than
        min_baseline_size gives no failure. Returns the offending rows: metric, day,
        value, baseline size, mean, stddev, lower and upper bound. -#}
    {%- if direction not in ['both', 'above', 'below'] -%}
        {{ exceptions.raise_compiler_error(
            "is_within_trailing_band: direction must be both, above or below"
        ) }}
    {%- endif %}
    select *
    from (
        {{ trailing_band_checked(
            relation=model,
            value_column=column_name,
            series_column=series_column,
            date_column=date_column,
            series=series,
            days_tested=days_tested,
            baseline_days=baseline_days,
            stddev_threshold=stddev_threshold,
            min_baseline_size=min_baseline_size,
            same_weekday_series=same_weekday_series,
            weekday_baseline_days=weekday_baseline_days,
            sample_size_column=sample_size_column,
            min_sample_size=min_sample_size
        ) }}
    ) as bands
    where
        {%- if direction == 'both' %}
        metric_value < lower_bound
        or metric_value > upper_bound
        {%- elif direction == 'above' %}
        metric_value > upper_bound
        {%- else %}
        metric_value < lower_bound
        {%- endif %}
{% endtest %}
