{#- One row per currency and period with one rate to the reporting currency
    (var commerce__reporting_currency): from valid_from (inclusive) to valid_to
    (exclusive; null for the rate in force now). A period starts wherever the currency's
    own rate or the reporting currency's rate changes. -#}
with

rates as (
    select
        upper(currency) as currency,
        cast(valid_from as date) as valid_from,
        cast(units_per_usd as numeric(38, 12)) as units_per_usd
    from {{ ref('currency_rates') }}
),

rates_ranged as (
    select
        currency,
        valid_from,
        lead(valid_from) over (
            partition by currency
            order by valid_from
        ) as valid_to,
        units_per_usd
    from rates
),

reporting_rates_ranged as (
    select
        valid_from,
        valid_to,
        units_per_usd
    from rates_ranged
    where currency = upper({{ sql_literal(var('commerce__reporting_currency')) }})
),

periods_started as (
    select
        currency,
        valid_from
    from rates_ranged
    union
    select
        rates_ranged.currency,
        reporting_rates_ranged.valid_from
    from rates_ranged
    cross join reporting_rates_ranged
),

periods_priced as (
    select
        periods_started.currency,
        periods_started.valid_from,
        lead(periods_started.valid_from) over (
            partition by periods_started.currency
            order by periods_started.valid_from
        ) as valid_to,
        upper({{ sql_literal(var('commerce__reporting_currency')) }})
            as reporting_currency,
        cast(
            reporting_rates_ranged.units_per_usd / rates_ranged.units_per_usd
            as numeric(38, 12)
        ) as rate_to_reporting
    from periods_started
    inner join rates_ranged
        on
            periods_started.currency = rates_ranged.currency
            and periods_started.valid_from >= rates_ranged.valid_from
            and (
                periods_started.valid_from < rates_ranged.valid_to
                or rates_ranged.valid_to is null
            )
    inner join reporting_rates_ranged
        on
            periods_started.valid_from >= reporting_rates_ranged.valid_from
            and (
                periods_started.valid_from < reporting_rates_ranged.valid_to
                or reporting_rates_ranged.valid_to is null
            )
)

select * from periods_priced
