{#- The calendar: one row per day between two vars, both included (dbt's date_spine stops
    before its end date, hence the day added). MetricFlow's time spine (its YAML names
    calendar_date as the day grain), and a date dimension BI can join to. -#}
{%- set days = {} -%}
{%- for end in ('start', 'end') -%}
    {%- set value = var('semantic__time_spine_' ~ end ~ '_date') | string -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
        {{ exceptions.raise_compiler_error(
            'var semantic__time_spine_' ~ end ~ '_date must be a date like 2015-01-01, not '
            ~ value) }}
    {%- endif -%}
    {%- do days.update({end: "cast('" ~ value ~ "' as date)"}) -%}
{%- endfor -%}
with

days_generated as (
    {{
        dbt.date_spine(
            'day',
            days['start'],
            dbt.dateadd('day', 1, days['end']),
        )
    }}
),

days_described as (
    select
        cast(date_day as date) as calendar_date,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start_date,
        cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start_date
    from days_generated
)

select * from days_described
