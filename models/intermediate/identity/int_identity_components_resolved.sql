{#- One row per identifier in the identity graph, with the connected component it belongs
    to. Reachability is a recursive query, so a chain of any length resolves in one build.
    A component larger than identity__max_cluster_size is flagged and not merged: each of
    its identifiers stays on its own. -#}
with recursive

edges as (
    select
        node_low,
        node_high
    from {{ ref('int_identity_edges_collected') }}
),

edges_both_ways as (
    select
        node_low as node_from,
        node_high as node_to
    from edges
    union all
    select
        node_high as node_from,
        node_low as node_to
    from edges
),

nodes as (
    select node_low as node from edges
    union
    select node_high from edges
),

reachable (node, reached) as (
    select
        node,
        node as reached
    from nodes
    union
    select
        reachable.node,
        edges_both_ways.node_to as reached
    from reachable
    inner join edges_both_ways
        on reachable.reached = edges_both_ways.node_from
),

nodes_rooted as (
    select
        node,
        min(reached) as component_root
    from reachable
    group by node
),

components_sized as (
    select
        node,
        component_root,
        count(*) over (partition by component_root) as component_size
    from nodes_rooted
),

components_guarded as (
    select
        node as identifier_node,
        {{ dbt.split_part('node', "':'", 1) }} as identifier_type,
        substr(node, strpos(node, ':') + 1) as identifier_value,
        case
            when component_size > {{ var('identity__max_cluster_size') }} then node
            else component_root
        end as component_root,
        component_size,
        component_size > {{ var('identity__max_cluster_size') }} as is_oversized_cluster
    from components_sized
)

select * from components_guarded
