{#- One row per pair of identifiers seen together on at least one record (stored once,
    smaller node first), block-listed identifiers left out. -#}
with

links as (
    select
        node_a,
        node_b,
        seen_in
    from {{ ref('int_identity_links_observed') }}
    where node_b is not null
),

blocklist as (
    select
        identifier_type,
        match_type,
        lower(identifier_value) as identifier_value
    from {{ ref('identity_blocklist') }}
),

nodes_seen as (
    select node_a as node from links
    union
    select node_b from links
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
        links.node_a,
        links.node_b,
        links.seen_in
    from links
    left join nodes_blocked as blocked_a
        on links.node_a = blocked_a.node
    left join nodes_blocked as blocked_b
        on links.node_b = blocked_b.node
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
        count(distinct seen_in) as source_count,
        min(seen_in) as first_seen_in
    from edges_oriented
    group by node_low, node_high
)

select * from edges_collected
