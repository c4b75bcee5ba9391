{% macro trailing_band_checked(
    relation,
    value_column,
    series_column='metric_name',
    date_column='metric_date',
    series=none,
    days_tested=none,
    baseline_days=none,
    stddev_threshold=none,
    min_baseline_size=none,
    same_weekday_series=none,
    weekday_baseline_days=none,
    sample_size_column=none,
    min_sample_size=none
) -%}
    {#- A query of the tested days of each series (metric) with the band of its trailing
        baseline: one row per series and tested day, with the value, the baseline's size,
        mean and sample standard deviation, and the band mean +/- stddev_threshold x
        band_stddev (null when the baseline has fewer than min_baseline_size days).
        Tested days are each series' latest `days_tested` days; the baseline is the
        `baseline_days` days before the first of them, so a tested day never widens its
        own band (nor another tested day's). A series in `same_weekday_series` is
        compared with the same weekday only, over `weekday_baseline_days` days. Days
        whose value is null, or whose sample size is below `min_sample_size`, are
        neither tested nor part of a baseline. With a sample size, the value is read as
        a proportion of that many units (a rate of messages), and band_stddev is the
        baseline's standard deviation or, when larger, the binomial standard error of
        the baseline mean over the tested day's sample: a band never narrower than
        the noise of counting that few messages. Arguments left out come from the
        `monitoring__*` vars. `relation` may be a relation or the name of a CTE. -#}
    {%- set days_tested = days_tested if days_tested is not none
        else var('monitoring__days_tested') -%}
    {%- set baseline_days = baseline_days if baseline_days is not none
        else var('monitoring__baseline_days') -%}
    {%- set stddev_threshold = stddev_threshold if stddev_threshold is not none
        else var('monitoring__stddev_threshold') -%}
    {%- set min_baseline_size = min_baseline_size if min_baseline_size is not none
        else var('monitoring__min_baseline_size') -%}
    {%- set same_weekday_series = same_weekday_series if same_weekday_series is not none
        else var('monitoring__same_weekday_metrics') -%}
    {%- set weekday_baseline_days = weekday_baseline_days
        if weekday_baseline_days is not none
        else var('monitoring__weekday_baseline_days') -%}
    {%- set min_sample_size = min_sample_size if min_sample_size is not none
        else var('monitoring__min_rate_messages') -%}
    with

    observations as (
        select
            {{ series_column }} as series_name,
            cast({{ date_column }} as date) as observed_date,
            {{ value_column }} as observed_value,
            {%- if sample_size_column %}
            {{ sample_size_column }} as sample_size
            {%- else %}
            cast(null as {{ dbt.type_bigint() }}) as sample_size
            {%- endif %}
        from {{ relation }}
        {%- if series %}
        where {{ series_column }} in ({{ sql_literal_list(series) }})
        {%- endif %}
    ),

    series_latest as (
        select
            series_name,
            max(observed_date) as latest_date
        from observations
        group by series_name
    ),

    observations_offset as (
        -- days before the series' latest day: 0 is the latest day
        select
            observations.series_name,
            observations.observed_date,
            observations.observed_value,
            observations.sample_size,
            {{ dbt.datediff(
                'observations.observed_date', 'series_latest.latest_date', 'day'
            ) }} as days_before_latest,
            {%- if same_weekday_series %}
            observations.series_name in ({{ sql_literal_list(same_weekday_series) }})
            {%- else %}
            false
            {%- endif %} as is_same_weekday
        from observations
        inner join series_latest
            on observations.series_name = series_latest.series_name
        where
            observations.observed_value is not null
            and (
                observations.sample_size is null
                or observations.sample_size >= {{ min_sample_size }}
            )
    ),

    days_under_test as (
        select *
        from observations_offset
        where days_before_latest < {{ days_tested }}
    ),

    days_baseline as (
        select *
        from observations_offset
        where days_before_latest >= {{ days_tested }}
    ),

    baselines_summarised as (
        select
            days_under_test.series_name,
            days_under_test.observed_date,
            days_under_test.observed_value,
            days_under_test.sample_size,
            count(days_baseline.observed_value) as baseline_size,
            avg(days_baseline.observed_value) as baseline_mean,
            stddev_samp(days_baseline.observed_value) as baseline_stddev
        from days_under_test
        left join days_baseline
            on
                days_under_test.series_name = days_baseline.series_name
                and days_baseline.days_before_latest < {{ days_tested }} + case
                    when days_under_test.is_same_weekday
                        then {{ weekday_baseline_days }}
                    else {{ baseline_days }}
                end
                and (
                    not days_under_test.is_same_weekday
                    or (
                        days_baseline.days_before_latest
                        - days_under_test.days_before_latest
                    ) % 7 = 0
                )
        group by
            days_under_test.series_name,
            days_under_test.observed_date,
            days_under_test.observed_value,
            days_under_test.sample_size
    ),

    baselines_sized as (
        select
            series_name,
            observed_date,
            observed_value,
            sample_size,
            baseline_size,
            -- cast outside the case: Postgres keeps the scale of a cast, not of a case
            cast(
                case
                    when baseline_size >= {{ min_baseline_size }} then baseline_mean
                end
                as numeric(28, 6)
            ) as baseline_mean,
            cast(
                case
                    when baseline_size >= {{ min_baseline_size }} then baseline_stddev
                end
                as numeric(28, 6)
            ) as baseline_stddev
        from baselines_summarised
    ),

    noise_floored as (
        -- a proportion of sample_size units varies by at least its binomial standard
        -- error, sqrt(p (1 - p) / n), at the baseline mean p and the tested day's n
        select
            *,
            cast(
                case
                    when baseline_stddev is not null
                        then greatest(
                            baseline_stddev,
                            coalesce(
                                case
                                    when
                                        baseline_mean between 0 and 1
                                        and sample_size > 0
                                        then sqrt(
                                            baseline_mean * (1 - baseline_mean)
                                            / sample_size
                                        )
                                end,
                                0
                            )
                        )
                end
                as numeric(28, 6)
            ) as band_stddev
        from baselines_sized
    ),

    bands_computed as (
        select
            series_name as metric_name,
            observed_date as metric_date,
            observed_value as metric_value,
            cast(baseline_size as {{ dbt.type_bigint() }}) as baseline_size,
            baseline_mean,
            baseline_stddev,
            band_stddev,
            cast(
                baseline_mean - {{ stddev_threshold }} * band_stddev
                as numeric(28, 6)
            ) as lower_bound,
            cast(
                baseline_mean + {{ stddev_threshold }} * band_stddev
                as numeric(28, 6)
            ) as upper_bound
        from noise_floored
    )

    select * from bands_computed
{%- endmacro %}
