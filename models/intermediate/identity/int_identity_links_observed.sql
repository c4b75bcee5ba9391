{#- One row per distinct pair of identifiers seen together on a record in one source, or
    per lone identifier (node_b null). Nodes are `<type>:<value>`. -#}
with

crm_customers as (
    -- every value a customer ever had, deleted customers included
    select
        crm_customer_id,
        email,
        phone
    from {{ ref('stg_crm__customer_versions') }}
),

orders as (
    select
        order_id,
        shop_customer_id,
        email
    from {{ ref('stg_shop__orders') }}
),

checkouts as (
    select
        checkout_id,
        shop_customer_id,
        email
    from {{ ref('stg_shop__checkouts') }}
),

loyalty_entries as (
    select
        shop_customer_id,
        email
    from {{ ref('stg_shop__loyalty_ledger') }}
),

tracking_events as (
    select
        anonymous_id,
        user_id,
        identified_email,
        order_id,
        checkout_id
    from {{ ref('stg_tracking__events') }}
    where not is_bot
),

tracking_identifiers as (
    -- each device's distinct account and address combinations, before the three pairs
    -- below are built from them: a device repeats the same ones on most of its calls (at
    -- a million customers, 22 million calls)
    select distinct
        anonymous_id,
        user_id,
        identified_email
    from tracking_events
),

tracking_purchases as (
    -- a device that completed an order or started a checkout belongs to its buyer
    select
        tracking_events.anonymous_id,
        orders.shop_customer_id,
        orders.email
    from tracking_events
    inner join orders
        on tracking_events.order_id = orders.order_id
    union all
    select
        tracking_events.anonymous_id,
        checkouts.shop_customer_id,
        checkouts.email
    from tracking_events
    inner join checkouts
        on tracking_events.checkout_id = checkouts.checkout_id
),

consent_events as (
    select
        crm_customer_id,
        email
    from {{ ref('stg_privacy__consent_events') }}
),

email_recipients as (
    select distinct email
    from {{ ref('stg_esp__email_events') }}
),

pairs_seen as (
    select
        {{ identity_node('crm_customer_id', 'crm_customer_id') }} as node_a,
        {{ identity_node('email', 'email') }} as node_b,
        'crm' as seen_in
    from crm_customers
    union all
    select
        {{ identity_node('crm_customer_id', 'crm_customer_id') }} as node_a,
        {{ identity_node('phone', 'phone') }} as node_b,
        'crm' as seen_in
    from crm_customers
    union all
    select
        {{ identity_node('shop_customer_id', 'shop_customer_id') }} as node_a,
        {{ identity_node('email', 'email') }} as node_b,
        'shop_orders' as seen_in
    from orders
    union all
    select
        {{ identity_node('shop_customer_id', 'shop_customer_id') }} as node_a,
        {{ identity_node('email', 'email') }} as node_b,
        'shop_checkouts' as seen_in
    from checkouts
    union all
    select
        {{ identity_node('shop_customer_id', 'shop_customer_id') }} as node_a,
        {{ identity_node('email', 'email') }} as node_b,
        'shop_loyalty' as seen_in
    from loyalty_entries
    union all
    select
        {{ identity_node('anonymous_id', 'anonymous_id') }} as node_a,
        {{ identity_node(var('identity__tracking_user_id_type'), 'user_id') }} as node_b,
        'tracking' as seen_in
    from tracking_identifiers
    union all
    select
        {{ identity_node('anonymous_id', 'anonymous_id') }} as node_a,
        {{ identity_node('email', 'identified_email') }} as node_b,
        'tracking' as seen_in
    from tracking_identifiers
    union all
    select
        {{ identity_node(var('identity__tracking_user_id_type'), 'user_id') }} as node_a,
        {{ identity_node('email', 'identified_email') }} as node_b,
        'tracking' as seen_in
    from tracking_identifiers
    union all
    select
        {{ identity_node('anonymous_id', 'anonymous_id') }} as node_a,
        {{ identity_node('shop_customer_id', 'shop_customer_id') }} as node_b,
        'tracking_purchases' as seen_in
    from tracking_purchases
    union all
    select
        {{ identity_node('anonymous_id', 'anonymous_id') }} as node_a,
        {{ identity_node('email', 'email') }} as node_b,
        'tracking_purchases' as seen_in
    from tracking_purchases
    union all
    select
        {{ identity_node('crm_customer_id', 'crm_customer_id') }} as node_a,
        {{ identity_node('email', 'email') }} as node_b,
        'consent' as seen_in
    from consent_events
    union all
    select
        {{ identity_node('email', 'email') }} as node_a,
        cast(null as {{ dbt.type_string() }}) as node_b,
        'esp' as seen_in
    from email_recipients
),

pairs_oriented as (
    select
        coalesce(node_a, node_b) as node_a,
        case when node_a is not null and node_b <> node_a then node_b end as node_b,
        seen_in
    from pairs_seen
    where node_a is not null or node_b is not null
),

links_observed as (
    select distinct
        node_a,
        node_b,
        seen_in
    from pairs_oriented
)

select * from links_observed
