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

node_ends as (
    select node_low as node from edges
    union all
    select node_high as node from edges
),

nodes as (
    -- distinct, not a union: in a `with recursive`, DuckDB 1.4 runs a union of a CTE
    -- that does not refer to itself as a union all (duckdb/duckdb#19017), and the
    -- numbers below would then be given to each end of each edge
    select distinct node
    from node_ends
),

nodes_numbered as (
    -- each identifier numbered in its own order, so that the recursion below follows
    -- pairs of integers, not of identifiers (at a million customers, 22 million pairs of
    -- identifiers were more than DuckDB could hold in 3 GB), and the least number is the
    -- least identifier
    select
        node,
        row_number() over (order by node) as node_number
    from nodes
),

edges_numbered as (
    select
        nodes_low.node_number as number_low,
        nodes_high.node_number as number_high
    from edges
    inner join nodes_numbered as nodes_low
        on edges.node_low = nodes_low.node
    inner join nodes_numbered as nodes_high
        on edges.node_high = nodes_high.node
),

edges_both_ways as (
    select
        number_low as number_from,
        number_high as number_to
    from edges_numbered
    union all
    select
        number_high as number_from,
        number_low as number_to
    from edges_numbered
),

reachable (node_number, reached_number) as (
    select
        node_number,
        node_number as reached_number
    from nodes_numbered
    union
    select
        reachable.node_number,
        edges_both_ways.number_to as reached_number
    from reachable
    inner join edges_both_ways
        on reachable.reached_number = edges_both_ways.number_from
),

nodes_rooted as (
    select
        node_number,
        min(reached_number) as root_number
    from reachable
    group by node_number
),

components_sized as (
    select
        nodes.node,
        roots.node as component_root,
        count(*) over (partition by nodes_rooted.root_number) as component_size
    from nodes_rooted
    inner join nodes_numbered as nodes
        on nodes_rooted.node_number = nodes.node_number
    inner join nodes_numbered as roots
        on nodes_rooted.root_number = roots.node_number
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
