{#- One row per metric and tested day (each metric's latest `monitoring__days_tested`
    days): the value, the band of its trailing baseline (mean +/-
    `monitoring__stddev_threshold` standard deviations over the
    `monitoring__baseline_days` days before the first tested day; the same weekday over
    `monitoring__weekday_baseline_days` for `monitoring__same_weekday_metrics`; for a
    rate, never narrower than the binomial noise of its messages), whether it lies
    outside, and whether a count or amount dropped to zero after active days. The rules
    are the trailing_band_checked and zero_drops_checked macros the monitoring tests
    run, so the table shows what the tests see. Reads fct_daily_metric_values (the
    rows of fct_daily_metrics), so a failing test on the mart does not stop it. -#}
with

daily_metrics as (
    select
        metric_name,
        metric_group,
        metric_date,
        metric_value,
        numerator_value,
        sample_size
    from {{ ref('fct_daily_metric_values') }}
),

bands_checked as (
    {{ trailing_band_checked(
        relation='daily_metrics',
        value_column='metric_value',
        sample_size_column='sample_size'
    ) }}
),

zero_drops_found as (
    {{ zero_drops_checked(relation='daily_metrics', value_column='metric_value') }}
),

checks_joined as (
    select
        zero_drops_found.metric_name,
        daily_metrics.metric_group,
        zero_drops_found.metric_date,
        cast(zero_drops_found.metric_value as numeric(28, 4)) as metric_value,
        daily_metrics.sample_size,
        bands_checked.baseline_size,
        bands_checked.baseline_mean,
        bands_checked.baseline_stddev,
        bands_checked.band_stddev,
        bands_checked.lower_bound,
        bands_checked.upper_bound,
        coalesce(
            bands_checked.metric_value < bands_checked.lower_bound
            or bands_checked.metric_value > bands_checked.upper_bound,
            false
        ) as is_outside_band,
        -- a drop to zero is about counts and amounts; a rate of zero is no volume lost
        case
            when daily_metrics.numerator_value is null
                then zero_drops_found.prior_active_days
        end as prior_active_days,
        daily_metrics.numerator_value is null
        and zero_drops_found.is_dropped_to_zero as is_dropped_to_zero
    from zero_drops_found
    inner join daily_metrics
        on
            zero_drops_found.metric_name = daily_metrics.metric_name
            and zero_drops_found.metric_date = daily_metrics.metric_date
    left join bands_checked
        on
            zero_drops_found.metric_name = bands_checked.metric_name
            and zero_drops_found.metric_date = bands_checked.metric_date
)

select * from checks_joined
