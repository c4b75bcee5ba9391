{#- One row per order (its latest version) and when it was placed: the buyer's person
    key, found by the shop account first and the email second, and the rate that
    converts the order's currency to the reporting currency on the day it was ordered
    (the rate period holding that date: valid_from inclusive, valid_to exclusive). -#}
with

orders as (
    select
        order_id,
        shop_customer_id,
        email,
        ordered_at,
        currency
    from {{ ref('stg_shop__orders') }}
),

-- the people of the graph's shop accounts and addresses, each by its value
customer_keys as (
    {{ person_keys_of_type('shop_customer_id') }}
),

email_keys as (
    {{ person_keys_of_type('email') }}
),

currency_rates as (
    select
        currency,
        valid_from,
        valid_to,
        reporting_currency,
        rate_to_reporting
    from {{ ref('int_currency_rates_ranged') }}
),

orders_keyed as (
    select
        orders.order_id,
        orders.ordered_at,
        coalesce(customer_keys.person_id, email_keys.person_id) as person_id,
        currency_rates.reporting_currency,
        currency_rates.rate_to_reporting
    from orders
    left join customer_keys
        on orders.shop_customer_id = customer_keys.identifier_value
    left join email_keys
        on orders.email = email_keys.identifier_value
    left join currency_rates
        on
            orders.currency = currency_rates.currency
            and cast(orders.ordered_at as date) >= currency_rates.valid_from
            and (
                cast(orders.ordered_at as date) < currency_rates.valid_to
                or currency_rates.valid_to is null
            )
)

select * from orders_keyed
