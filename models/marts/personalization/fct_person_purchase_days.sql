{#- One row per person and day they bought: the transaction log of the purchase models
    (BG/NBD and Gamma-Gamma, issue 9). Orders not cancelled, by their date (fct_orders.ordered_at is in UTC); the day's
    orders are one purchase, their net revenue in the reporting currency summed.
    `mailpipe fit` reads it, as it would a CSV transaction log. -#}
with

orders as (
    select
        person_id,
        cast(ordered_at as date) as purchase_date,
        net_revenue_reporting_amount,
        reporting_currency
    from {{ ref('fct_orders') }}
    where person_id is not null and not is_cancelled
),

purchase_days as (
    select
        person_id,
        purchase_date,
        reporting_currency,
        count(*) as order_count,
        sum(net_revenue_reporting_amount) as net_revenue_reporting_amount
    from orders
    group by person_id, purchase_date, reporting_currency
)

select
    {{ dbt.hash(
        "person_id || '|' || " ~ dbt.cast('purchase_date', dbt.type_string())
    ) }} as person_purchase_day_id,
    person_id,
    purchase_date,
    order_count,
    cast(net_revenue_reporting_amount as numeric(28, 2))
        as net_revenue_reporting_amount,
    reporting_currency
from purchase_days
