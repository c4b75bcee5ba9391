{#- One row per loyalty ledger entry: signed points, why they moved, and the person's
    running balance after the entry (entries in time order, ties broken by entry id). -#}
with

entries as (
    select
        loyalty_entry_id,
        shop_customer_id,
        email,
        occurred_at,
        points_count,
        entry_reason,
        order_id
    from {{ ref('stg_shop__loyalty_ledger') }}
),

-- the people of the graph's shop accounts, by the account
customer_keys as (
    {{ person_keys_of_type('shop_customer_id') }}
),

address_pseudonyms as (
    select
        email,
        email_key,
        person_id
    from {{ ref('int_email_addresses_pseudonymised') }}
),

entries_identified as (
    select
        entries.loyalty_entry_id,
        coalesce(customer_keys.person_id, address_pseudonyms.person_id) as person_id,
        entries.shop_customer_id,
        address_pseudonyms.email_key,
        entries.occurred_at,
        cast(entries.points_count as {{ dbt.type_bigint() }}) as points_count,
        entries.entry_reason,
        entries.order_id
    from entries
    left join customer_keys
        on entries.shop_customer_id = customer_keys.identifier_value
    left join address_pseudonyms
        on entries.email = address_pseudonyms.email
),

balances_computed as (
    select
        loyalty_entry_id,
        person_id,
        shop_customer_id,
        email_key,
        occurred_at,
        points_count,
        entry_reason,
        order_id,
        cast(
            sum(points_count) over (
                partition by
                    coalesce(
                        person_id,
                        {{ identity_node('shop_customer_id', 'shop_customer_id') }},
                        loyalty_entry_id
                    )
                order by occurred_at, loyalty_entry_id
                rows between unbounded preceding and current row
            ) as {{ dbt.type_bigint() }}
        ) as points_balance_count
    from entries_identified
)

select * from balances_computed
