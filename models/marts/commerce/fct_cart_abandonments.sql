{#- One row per abandoned checkout (never completed), with the cart's value, lines and
    products, and whether the same person ordered within
    commerce__abandonment_recovery_hours of starting it (recovered: kept and flagged, not
    dropped, so a recovery rate can be measured and a flow can skip recovered carts). -#}
with

checkouts as (
    select
        checkout_id,
        shop_customer_id,
        email,
        started_at,
        updated_at,
        currency,
        total_amount,
        line_item_count,
        line_items,
        abandoned_checkout_url
    from {{ ref('stg_shop__checkouts') }}
    where is_abandoned
),

-- each order's person as int_orders_keyed decides it (shop account first, then email)
orders_identified as (
    select
        order_id,
        ordered_at,
        person_id
    from {{ ref('int_orders_keyed') }}
),

-- the people of the graph's shop accounts, by the account
customer_keys as (
    {{ person_keys_of_type('shop_customer_id') }}
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

address_pseudonyms as (
    select
        email,
        email_key,
        person_id
    from {{ ref('int_email_addresses_pseudonymised') }}
),

checkouts_identified as (
    select
        checkouts.*,
        coalesce(customer_keys.person_id, address_pseudonyms.person_id) as person_id,
        address_pseudonyms.email_key
    from checkouts
    left join customer_keys
        on checkouts.shop_customer_id = customer_keys.identifier_value
    left join address_pseudonyms
        on checkouts.email = address_pseudonyms.email
),

cart_lines_flattened as (
    select
        checkouts.checkout_id,
        items.cart_line,
        items.cart_line_position
    from checkouts
    cross join
        lateral {{ json_array_elements('checkouts.line_items') }}
        with ordinality as items (cart_line, cart_line_position)
),

cart_lines_summed as (
    select
        checkout_id,
        cast(
            sum(
                cast(
                    {{ json_get_text('cart_line', 'quantity') }}
                    as {{ dbt.type_bigint() }}
                )
            ) as {{ dbt.type_bigint() }}
        ) as item_count,
        min(
            case
                when cart_line_position = 1
                    then {{ json_get_text('cart_line', 'product_id') }}
            end
        ) as first_product_id,
        {{ json_text_array_agg(
            json_get_text('cart_line', 'product_id'), 'cart_line_position'
        ) }} as product_ids
    from cart_lines_flattened
    group by checkout_id
),

recoveries_ranked as (
    select
        checkouts_identified.checkout_id,
        orders_identified.order_id,
        orders_identified.ordered_at,
        row_number() over (
            partition by checkouts_identified.checkout_id
            order by orders_identified.ordered_at, orders_identified.order_id
        ) as recovery_rank
    from checkouts_identified
    inner join orders_identified
        on
            checkouts_identified.person_id = orders_identified.person_id
            and checkouts_identified.started_at <= orders_identified.ordered_at
            and {{ dbt.dateadd(
                'hour',
                var('commerce__abandonment_recovery_hours'),
                'checkouts_identified.started_at',
            ) }} >= orders_identified.ordered_at
),

abandonments_joined as (
    select
        checkouts_identified.checkout_id,
        checkouts_identified.person_id,
        checkouts_identified.shop_customer_id,
        checkouts_identified.email_key,
        checkouts_identified.started_at,
        checkouts_identified.updated_at,
        checkouts_identified.currency,
        round(
            cast(checkouts_identified.total_amount as {{ dbt.type_numeric() }}), 2
        ) as cart_amount,
        currency_rates.reporting_currency,
        currency_rates.rate_to_reporting,
        cast(checkouts_identified.line_item_count as {{ dbt.type_bigint() }})
            as line_count,
        coalesce(cart_lines_summed.item_count, 0) as item_count,
        cart_lines_summed.first_product_id,
        cart_lines_summed.product_ids,
        checkouts_identified.abandoned_checkout_url,
        recoveries_ranked.order_id is not null as is_recovered,
        recoveries_ranked.order_id as recovered_order_id,
        recoveries_ranked.ordered_at as recovered_at
    from checkouts_identified
    left join cart_lines_summed
        on checkouts_identified.checkout_id = cart_lines_summed.checkout_id
    left join recoveries_ranked
        on
            checkouts_identified.checkout_id = recoveries_ranked.checkout_id
            and recoveries_ranked.recovery_rank = 1
    left join currency_rates
        on
            checkouts_identified.currency = currency_rates.currency
            and cast(checkouts_identified.started_at as date)
            >= currency_rates.valid_from
            and (
                cast(checkouts_identified.started_at as date) < currency_rates.valid_to
                or currency_rates.valid_to is null
            )
),

abandonments_converted as (
    select
        checkout_id,
        person_id,
        shop_customer_id,
        email_key,
        started_at,
        updated_at,
        currency,
        cast(cart_amount as numeric(28, 2)) as cart_amount,
        reporting_currency,
        {{ reporting_amount('cart_amount') }} as cart_reporting_amount,
        line_count,
        item_count,
        first_product_id,
        product_ids,
        abandoned_checkout_url,
        is_recovered,
        recovered_order_id,
        recovered_at
    from abandonments_joined
)

select * from abandonments_converted
