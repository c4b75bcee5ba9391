{#- One row per person in dim_person_purchase_summaries, scored with the latest fit of the
    purchase models in var predict__time_unit (none yet: no rows): the probability they
    are still a customer, their expected purchases and the probability of one in the next
    var predict__horizon_days, their expected purchase amount (Gamma-Gamma) and their
    lifetime value over var predict__clv_horizon_days, in steps of
    var predict__clv_step_days, each discounted at var predict__annual_discount_rate.
    The formulas are the macros in macros/predict, held to the Python reference
    (scripts/predict) by test_predict_sql.py and test_pipeline.py.
    The expected purchases need a hypergeometric series of var predict__series_terms
    terms for each window (the horizon and each step's end): it is summed in Horner's
    form over a chain of CTEs, a block of levels each, from the last term down. The
    series depends on a person's frequency and age only (not on recency), so it is summed
    once per distinct (frequency, age) and window, a small share of the people, and
    joined back. -#}
{%- set days_per_unit = predict_days_per_unit() -%}
{%- set clv_days = var('predict__clv_horizon_days') -%}
{%- set step_days = var('predict__clv_step_days') -%}
{%- if clv_days % step_days != 0 or clv_days < step_days -%}
    {{ exceptions.raise_compiler_error(
        "predict__clv_horizon_days (" ~ clv_days ~ ") must be a whole number of "
        ~ "predict__clv_step_days (" ~ step_days ~ ")"
    ) }}
{%- endif -%}
{%- set step_count = (clv_days // step_days) | int -%}
{%- set step_years = step_days / 365.25 -%}
{%- set log_discount = 'ln(1.0 + ' ~ var('predict__annual_discount_rate') ~ ')' -%}
{%- set terms = var('predict__series_terms') | int -%}
{%- set block = 15 -%}
{#- the Horner blocks, innermost (last terms) first: [first level, last level] -#}
{%- set blocks = [] -%}
{%- for top in range(terms - 1, 0, -block) -%}
    {%- do blocks.append([[top - block + 1, 1] | max, top]) -%}
{%- endfor -%}
{%- set carried -%}
    frequency, customer_age, window_number, series_a, series_b, series_c, series_z
{%- endset -%}
{%- set bgnbd = {
    'r': 'bgnbd_r', 'alpha': 'bgnbd_alpha', 'a': 'bgnbd_a', 'b': 'bgnbd_b',
    'frequency': 'frequency', 'recency': 'recency', 'customer_age': 'customer_age'
} -%}

with

summaries as (
    select
        person_id,
        cutoff_date,
        time_unit,
        frequency,
        recency,
        customer_age,
        monetary_value
    from {{ ref('dim_person_purchase_summaries') }}
),

fits as (
    select
        fit_id,
        bgnbd_r,
        bgnbd_alpha,
        bgnbd_a,
        bgnbd_b,
        gamma_gamma_p,
        gamma_gamma_q,
        gamma_gamma_v
    from {{ ref('stg_predict__purchase_model_fits') }}
    where
        fit_rank = 1
        and time_unit = {{ sql_literal(var('predict__time_unit')) }}
),

windows as (
    -- 0: the horizon of the expected purchases; 1..: the lifetime value's steps. With the
    -- cumulative expected purchases E(k) at each step's end, the discounted sum of
    -- E(k) - E(k-1) is the sum of E(k) times the difference of consecutive discount
    -- factors (the last step: its own factor)
    select
        0 as window_number,
        {{ var('predict__horizon_days') }} / {{ days_per_unit }} as window_periods,
        0.0 as step_weight
    {%- for k in range(1, step_count + 1) %}
        union all
        select
            {{ k }} as window_number,
            {{ k * step_days }} / {{ days_per_unit }} as window_periods,
            {%- if k < step_count %}
                exp(-{{ k * step_years }} * {{ log_discount }})
                - exp(-{{ (k + 1) * step_years }} * {{ log_discount }}) as step_weight
            {%- else %}
                exp(-{{ k * step_years }} * {{ log_discount }}) as step_weight
            {%- endif %}
    {%- endfor %}
),

histories as (
    -- the distinct (frequency, age) pairs: all the series depends on, with the window
    select distinct
        frequency,
        customer_age
    from summaries
),

series_crossed as (
    -- the arguments of the series 2F1(a+b-1-r, a-1; a+b+x-1; z) of each window
    select
        histories.frequency,
        histories.customer_age,
        windows.window_number,
        fits.bgnbd_a + fits.bgnbd_b - 1 - fits.bgnbd_r as series_a,
        fits.bgnbd_a - 1 as series_b,
        fits.bgnbd_a + fits.bgnbd_b + histories.frequency - 1 as series_c,
        windows.window_periods
        / (fits.bgnbd_alpha + histories.customer_age + windows.window_periods)
            as series_z,
        1.0 as horner
    from histories
    cross join fits
    cross join windows
),
{#- the last block materialized: else Postgres pulls the chain up into the join below
    and sums the series once per person and window, not once per distinct history -#}
{% for first_level, last_level in blocks %}
    series_block_{{ loop.index }} as {{ 'materialized ' if loop.last }}(
        select
            {{ carried }},
        {{ hyp2f1_horner_levels(
            'series_a', 'series_b', 'series_c', 'series_z', first_level, last_level,
            'horner'
        ) }} as horner
        from {{ 'series_crossed' if loop.first else 'series_block_' ~ (loop.index - 1) }}
    ),
{% endfor %}
windows_crossed as (
    -- each person's windows, with the series of their frequency and age
    select
        summaries.person_id,
        fits.fit_id,
        summaries.cutoff_date,
        summaries.time_unit,
        windows.window_number,
        windows.window_periods,
        windows.step_weight,
        summaries.frequency,
        summaries.recency,
        summaries.customer_age,
        summaries.monetary_value,
        fits.bgnbd_r,
        fits.bgnbd_alpha,
        fits.bgnbd_a,
        fits.bgnbd_b,
        fits.gamma_gamma_p,
        fits.gamma_gamma_q,
        fits.gamma_gamma_v,
        series.horner
    from summaries
    cross join fits
    cross join windows
    inner join series_block_{{ blocks | length }} as series
        on
            summaries.frequency = series.frequency
            and summaries.customer_age = series.customer_age
            and windows.window_number = series.window_number
),

windows_scored as (
    select
        *,
        {{ bgnbd_expected_purchases(
            horizon='window_periods', series='horner', **bgnbd
        ) }} as expected_purchase_count
    from windows_crossed
),

people_scored as (
    select
        person_id,
        fit_id,
        cutoff_date,
        time_unit,
        {{ bgnbd_p_alive(**bgnbd) }} as alive_probability,
        expected_purchase_count,
        {{ bgnbd_p_purchase_within(horizon='window_periods', **bgnbd) }}
            as purchase_probability,
        {{ gamma_gamma_expected_value(
            'gamma_gamma_p', 'gamma_gamma_q', 'gamma_gamma_v', 'frequency',
            'monetary_value'
        ) }} as expected_purchase_amount
    from windows_scored
    where window_number = 0
),

lifetime_values as (
    select
        person_id,
        sum(expected_purchase_count * step_weight) as discounted_purchase_count
    from windows_scored
    where window_number > 0
    group by person_id
)

select
    people_scored.person_id,
    people_scored.fit_id,
    people_scored.cutoff_date,
    people_scored.time_unit,
    cast(people_scored.alive_probability as double precision) as alive_probability,
    cast(people_scored.expected_purchase_count as double precision)
        as expected_purchase_count,
    cast(people_scored.purchase_probability as double precision) as purchase_probability,
    cast(people_scored.expected_purchase_amount as double precision)
        as expected_purchase_amount,
    cast(
        people_scored.expected_purchase_amount * lifetime_values.discounted_purchase_count
        as double precision
    ) as lifetime_value_amount,
    {{ sql_literal(var('commerce__reporting_currency')) }} as reporting_currency
from people_scored
inner join lifetime_values
    on people_scored.person_id = lifetime_values.person_id
