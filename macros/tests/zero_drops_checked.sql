{% macro zero_drops_checked(
    relation,
    value_column,
    series_column='metric_name',
    date_column='metric_date',
    series=none,
    days_tested=none,
    lookback_days=none,
    min_active_days=none
) -%}
    {#- A query of the tested days of each series (its latest `days_tested` days): one row
        per series and tested day, with the value, the number of the `lookback_days`
        days before it with a value above zero, and whether it dropped to zero: a zero
        (or null) value after at least `min_active_days` such days. Days missing from
        the relation are not seen: the relation must hold a row for every day. Arguments
        left out come from the `monitoring__*` vars. -#}
    {%- set days_tested = days_tested if days_tested is not none
        else var('monitoring__days_tested') -%}
    {%- set lookback_days = lookback_days if lookback_days is not none
        else var('monitoring__zero_drop_lookback_days') -%}
    {%- set min_active_days = min_active_days if min_active_days is not none
        else var('monitoring__zero_drop_min_active_days') -%}
    with

    observations as (
        select
            {{ series_column }} as series_name,
            cast({{ date_column }} as date) as observed_date,
            {{ value_column }} as observed_value
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
            {{ dbt.datediff(
                'observations.observed_date', 'series_latest.latest_date', 'day'
            ) }} as days_before_latest
        from observations
        inner join series_latest
            on observations.series_name = series_latest.series_name
    ),

    days_under_test as (
        select *
        from observations_offset
        where days_before_latest < {{ days_tested }}
    ),

    prior_days_counted as (
        select
            days_under_test.series_name,
            days_under_test.observed_date,
            days_under_test.observed_value,
            count(
                case when days_prior.observed_value > 0 then 1 end
            ) as prior_active_days
        from days_under_test
        left join observations_offset as days_prior
            on
                days_under_test.series_name = days_prior.series_name
                and days_prior.days_before_latest > days_under_test.days_before_latest
                and days_prior.days_before_latest
                <= days_under_test.days_before_latest + {{ lookback_days }}
        group by
            days_under_test.series_name,
            days_under_test.observed_date,
            days_under_test.observed_value
    ),

    zero_drops_flagged as (
        select
            series_name as metric_name,
            observed_date as metric_date,
            observed_value as metric_value,
            cast(prior_active_days as {{ dbt.type_bigint() }}) as prior_active_days,
            coalesce(observed_value, 0) = 0
            and prior_active_days >= {{ min_active_days }} as is_dropped_to_zero
        from prior_days_counted
    )

    select * from zero_drops_flagged
{%- endmacro %}
