{#- One row per metric and day: daily email, commerce and load metrics, as measured in
    fct_daily_metric_values (see there for the days each metric covers). The
    monitoring tests (trailing band, drop to zero, attributed revenue) run on it. -#}
with

daily_metrics as (
    select
        metric_name,
        metric_group,
        metric_date,
        metric_value,
        numerator_value,
        denominator_value,
        sample_size
    from {{ ref('fct_daily_metric_values') }}
)

select * from daily_metrics
