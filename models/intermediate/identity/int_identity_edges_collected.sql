{#- One row per pair of identifiers seen together on one record (both directions kept
    once), block-listed identifiers left out. Nodes are `<type>:<value>`. -#}
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

blocklist as (
    select
        identifier_type,
        match_type,
        lower(identifier_value) as identifier_value
    from {{ ref('identity_blocklist') }}
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
    from tracking_events
    union all
    select
        {{ identity_node('anonymous_id', 'anonymous_id') }} as node_a,
        {{ identity_node('email', 'identified_email') }} as node_b,
        'tracking' as seen_in
    from tracking_events
    union all
    select
        {{ identity_node(var('identity__tracking_user_id_type'), 'user_id') }} as node_a,
        {{ identity_node('email', 'identified_email') }} as node_b,
        'tracking' as seen_in
    from tracking_events
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
),

pairs_complete as (
    select
        node_a,
        node_b,
        seen_in
    from pairs_seen
    where node_a is not null and node_b is not null and node_a <> node_b
),

nodes_seen as (
    select node_a as node from pairs_complete
    union
    select node_b from pairs_complete
),

nodes_typed as (
    select
        node,
        {{ dbt.split_part('node', "':'", 1) }} as identifier_type,
        lower(substr(node, strpos(node, ':') + 1)) as identifier_value
    from nodes_seen
),

nodes_blocked as (
    select nodes_typed.node
    from nodes_typed
    where
        nodes_typed.identifier_value
        in ({{ sql_literal_list(var('identity__placeholder_values')) }})
    union
    select nodes_typed.node
    from nodes_typed
    inner join blocklist
        on
            nodes_typed.identifier_type = blocklist.identifier_type
            and (
                (
                    blocklist.match_type = 'exact'
                    and nodes_typed.identifier_value = blocklist.identifier_value
                )
                or (
                    blocklist.match_type = 'local_part'
                    and nodes_typed.identifier_type = 'email'
                    and {{ dbt.split_part('nodes_typed.identifier_value', "'@'", 1) }}
                    = blocklist.identifier_value
                )
            )
),

edges_allowed as (
    select
        pairs_complete.node_a,
        pairs_complete.node_b,
        pairs_complete.seen_in
    from pairs_complete
    left join nodes_blocked as blocked_a
        on pairs_complete.node_a = blocked_a.node
    left join nodes_blocked as blocked_b
        on pairs_complete.node_b = blocked_b.node
    where blocked_a.node is null and blocked_b.node is null
),

edges_oriented as (
    select
        case when node_a < node_b then node_a else node_b end as node_low,
        case when node_a < node_b then node_b else node_a end as node_high,
        seen_in
    from edges_allowed
),

edges_collected as (
    select
        node_low,
        node_high,
        count(*) as record_count,
        min(seen_in) as first_seen_in
    from edges_oriented
    group by node_low, node_high
)

select * from edges_collected
