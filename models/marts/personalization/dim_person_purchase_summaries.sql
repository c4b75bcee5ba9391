{#- One row per person who bought by the calibration cutoff (var predict__cutoff_date,
    null: the as-of date): the summary the purchase models are fitted on and score from
    (Fader, Hardie & Lee 2005). In var predict__time_unit (days, or weeks = days / 7):
    frequency, the distinct purchase days after the first; recency, first purchase day to
    last; age, first purchase day to the cutoff; and the mean amount of the repeat
    purchase days (0 with none). scripts/predict/summary.py computes the same from a
    transaction log, and a test holds the two equal. In double precision on both engines
    (dbt's type_float is a 4-byte float on DuckDB). -#}
{%- set cutoff = predict_cutoff_date() -%}
{%- set days_per_unit = predict_days_per_unit() -%}

with

purchase_days as (
    select
        person_id,
        purchase_date,
        net_revenue_reporting_amount as purchase_amount
    from {{ ref('fct_person_purchase_days') }}
    where purchase_date <= {{ cutoff }}
),

people_spanned as (
    select
        person_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) - 1 as frequency
    from purchase_days
    group by person_id
),

repeat_amounts as (
    select
        purchase_days.person_id,
        avg(purchase_days.purchase_amount) as monetary_value
    from purchase_days
    inner join people_spanned
        on
            purchase_days.person_id = people_spanned.person_id
            and purchase_days.purchase_date > people_spanned.first_purchase_date
    group by purchase_days.person_id
)

select
    people_spanned.person_id,
    {{ cutoff }} as cutoff_date,
    {{ sql_literal(var('predict__time_unit')) }} as time_unit,
    people_spanned.first_purchase_date,
    people_spanned.last_purchase_date,
    people_spanned.frequency,
    cast({{ dbt.datediff(
        'people_spanned.first_purchase_date', 'people_spanned.last_purchase_date', 'day'
    ) }} as double precision) / {{ days_per_unit }} as recency,
    cast({{ dbt.datediff(
        'people_spanned.first_purchase_date', cutoff, 'day'
    ) }} as double precision) / {{ days_per_unit }} as customer_age,
    cast(coalesce(repeat_amounts.monetary_value, 0) as double precision)
        as monetary_value
from people_spanned
left join repeat_amounts
    on people_spanned.person_id = repeat_amounts.person_id
