{#- One row per order (its latest version) with the buyer's person key, status flags,
    item counts and amounts as charged, refunded and net, in the order's currency and in
    the reporting currency. Net revenue is merchandise after discounts and returns
    (shipping and tax excluded), zero for a cancelled order: the sum of the net amounts
    of the order's lines. -#}
with

orders as (
    select
        order_id,
        shop_customer_id,
        email,
        is_guest_checkout,
        ordered_at,
        cancelled_at,
        order_status,
        financial_status,
        order_channel,
        currency,
        subtotal_amount,
        discount_amount,
        shipping_amount,
        tax_amount,
        total_amount,
        discount_codes,
        has_discount_code,
        shipping_country_code,
        shipping_city
    from {{ ref('stg_shop__orders') }}
),

address_pseudonyms as (
    select
        email,
        email_key
    from {{ ref('int_email_addresses_pseudonymised') }}
),

order_lines as (
    select
        order_id,
        ordered_quantity,
        refunded_quantity,
        net_quantity,
        refunded_amount
    from {{ ref('int_order_lines_netted') }}
),

refunds as (
    select
        order_id,
        refund_amount
    from {{ ref('int_order_refunds_flattened') }}
),

orders_keyed as (
    select
        order_id,
        person_id,
        reporting_currency,
        rate_to_reporting
    from {{ ref('int_orders_keyed') }}
),

lines_summed as (
    select
        order_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as line_count,
        cast(sum(ordered_quantity) as {{ dbt.type_bigint() }}) as ordered_item_count,
        cast(sum(refunded_quantity) as {{ dbt.type_bigint() }}) as refunded_item_count,
        cast(sum(net_quantity) as {{ dbt.type_bigint() }}) as net_item_count,
        sum(refunded_amount) as returns_amount
    from order_lines
    group by order_id
),

refunds_summed as (
    select
        order_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as refund_count,
        round(
            cast(sum(refund_amount) as {{ dbt.type_numeric() }}), 2
        ) as refunded_amount
    from refunds
    group by order_id
),

discount_codes_listed as (
    select
        orders.order_id,
        {{ dbt.listagg(
            "replace(cast(codes.discount_code as " ~ dbt.type_string() ~ "), '\"', '')",
            "', '",
            "order by codes.code_position",
        ) }} as discount_codes
    from orders
    cross join
        lateral {{ json_array_elements('orders.discount_codes') }}
        with ordinality as codes (discount_code, code_position)
    group by orders.order_id
),

orders_joined as (
    select
        orders.order_id,
        orders_keyed.person_id,
        orders.shop_customer_id,
        address_pseudonyms.email_key,
        orders.is_guest_checkout,
        orders.ordered_at,
        orders.cancelled_at,
        orders.order_status,
        orders.financial_status,
        orders.order_channel,
        orders.shipping_country_code,
        orders.shipping_city,
        orders.has_discount_code,
        discount_codes_listed.discount_codes,
        {{ is_cancelled_order('orders.cancelled_at', 'orders.order_status') }}
            as is_cancelled,
        coalesce(lines_summed.line_count, 0) as line_count,
        coalesce(lines_summed.ordered_item_count, 0) as ordered_item_count,
        coalesce(lines_summed.refunded_item_count, 0) as refunded_item_count,
        coalesce(lines_summed.net_item_count, 0) as net_item_count,
        coalesce(refunds_summed.refund_count, 0) as refund_count,
        orders.currency,
        round(
            cast(orders.subtotal_amount as {{ dbt.type_numeric() }}), 2
        ) as gross_amount,
        round(
            cast(orders.discount_amount as {{ dbt.type_numeric() }}), 2
        ) as discount_amount,
        round(
            cast(orders.shipping_amount as {{ dbt.type_numeric() }}), 2
        ) as shipping_amount,
        round(
            cast(orders.tax_amount as {{ dbt.type_numeric() }}), 2
        ) as tax_amount,
        round(
            cast(orders.total_amount as {{ dbt.type_numeric() }}), 2
        ) as total_amount,
        coalesce(refunds_summed.refunded_amount, 0) as refunded_amount,
        coalesce(lines_summed.returns_amount, 0) as returns_amount,
        orders_keyed.reporting_currency,
        orders_keyed.rate_to_reporting
    from orders
    left join lines_summed
        on orders.order_id = lines_summed.order_id
    left join refunds_summed
        on orders.order_id = refunds_summed.order_id
    left join discount_codes_listed
        on orders.order_id = discount_codes_listed.order_id
    left join orders_keyed
        on orders.order_id = orders_keyed.order_id
    left join address_pseudonyms
        on orders.email = address_pseudonyms.email
),

orders_netted as (
    select
        *,
        not is_cancelled
        and (refunded_item_count > 0 or refunded_amount > 0)
        and refunded_item_count >= ordered_item_count as is_fully_refunded,
        not is_cancelled
        and (refunded_item_count > 0 or refunded_amount > 0)
        and refunded_item_count < ordered_item_count as is_partially_refunded,
        case
            when is_cancelled then 0
            else gross_amount - discount_amount - returns_amount
        end as net_revenue_amount
    from orders_joined
),

orders_converted as (
    select
        order_id,
        person_id,
        shop_customer_id,
        email_key,
        is_guest_checkout,
        ordered_at,
        cast(ordered_at as date) as ordered_date,
        order_channel,
        order_status,
        financial_status,
        is_cancelled,
        cancelled_at,
        is_fully_refunded,
        is_partially_refunded,
        has_discount_code,
        discount_codes,
        shipping_country_code,
        shipping_city,
        line_count,
        ordered_item_count,
        refunded_item_count,
        net_item_count,
        refund_count,
        currency,
        cast(gross_amount as numeric(28, 2)) as gross_amount,
        cast(discount_amount as numeric(28, 2)) as discount_amount,
        cast(shipping_amount as numeric(28, 2)) as shipping_amount,
        cast(tax_amount as numeric(28, 2)) as tax_amount,
        cast(total_amount as numeric(28, 2)) as total_amount,
        cast(refunded_amount as numeric(28, 2)) as refunded_amount,
        cast(returns_amount as numeric(28, 2)) as returns_amount,
        cast(net_revenue_amount as numeric(28, 2)) as net_revenue_amount,
        reporting_currency,
        {{ reporting_amount('gross_amount') }} as gross_reporting_amount,
        {{ reporting_amount('discount_amount') }} as discount_reporting_amount,
        {{ reporting_amount('shipping_amount') }} as shipping_reporting_amount,
        {{ reporting_amount('tax_amount') }} as tax_reporting_amount,
        {{ reporting_amount('total_amount') }} as total_reporting_amount,
        {{ reporting_amount('refunded_amount') }} as refunded_reporting_amount,
        {{ reporting_amount('returns_amount') }} as returns_reporting_amount,
        {{ reporting_amount('net_revenue_amount') }} as net_revenue_reporting_amount
    from orders_netted
)

select * from orders_converted
