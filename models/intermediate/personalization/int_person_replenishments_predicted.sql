{#- One row per person and product bought on at least traits__replenishment_min_purchases
    different days (two orders on one day are one purchase): the first and last purchase
    dates, the person's mean interval between purchases of it in whole days (rounded half
    away from zero), and the date the next one is due, the last purchase plus that
    interval. -#}
with

purchases as (
    select
        person_id,
        product_id,
        ordered_date
    from {{ ref('int_person_purchases_identified') }}
),

purchase_days_counted as (
    select
        person_id,
        product_id,
        count(distinct ordered_date) as purchase_day_count,
        min(ordered_date) as first_purchased_date,
        max(ordered_date) as last_purchased_date
    from purchases
    group by person_id, product_id
),

purchase_days_spanned as (
    select
        person_id,
        product_id,
        purchase_day_count,
        first_purchased_date,
        last_purchased_date,
        {{ dbt.datediff('first_purchased_date', 'last_purchased_date', 'day') }}
            as purchase_span_days
    from purchase_days_counted
    where purchase_day_count >= {{ var('traits__replenishment_min_purchases') }}
),

intervals_averaged as (
    select
        person_id,
        product_id,
        purchase_day_count,
        first_purchased_date,
        last_purchased_date,
        cast(
            round(
                cast(purchase_span_days as {{ dbt.type_numeric() }})
                / nullif(purchase_day_count - 1, 0),
                0
            ) as {{ dbt.type_bigint() }}
        ) as mean_interval_days
    from purchase_days_spanned
),

replenishments_predicted as (
    select
        person_id || ':' || product_id as person_product_id,
        person_id,
        product_id,
        cast(purchase_day_count as {{ dbt.type_bigint() }}) as purchase_day_count,
        first_purchased_date,
        last_purchased_date,
        mean_interval_days,
        cast(
            {{ dbt.dateadd('day', 'mean_interval_days', 'last_purchased_date') }} as date
        ) as next_replenishment_date
    from intervals_averaged
)

select * from replenishments_predicted
