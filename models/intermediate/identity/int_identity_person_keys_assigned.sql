{#- One row per identifier ever seen, with the person key it belongs to. Keys are kept
    between runs (this model is incremental and never fully refreshed): an identifier keeps
    its key unless its component merged with another, in which case the component keeps
    the oldest of its keys. A key claimed by several components after a split stays with
    the component holding most of its identifiers; the others get new keys. -#}
{{
    config(
        materialized='incremental',
        unique_key='identifier_node',
        incremental_strategy='delete+insert',
        full_refresh=false,
        on_schema_change='fail'
    )
}}

{%- set run_at_text = "'" ~ (run_started_at | string)[:19] ~ "'" %}
{%- set run_at = "cast(" ~ run_at_text ~ " as " ~ dbt.type_timestamp() ~ ")" %}

with

links as (
    select
        node_a,
        node_b
    from {{ ref('int_identity_links_observed') }}
),

components as (
    select
        identifier_node,
        component_root
    from {{ ref('int_identity_components_resolved') }}
),

keys_previous as (
    {% if is_incremental() %}
        select
            identifier_node,
            person_id,
            person_key_created_at,
            previous_person_id,
            person_key_changed_at
        from {{ this }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as identifier_node,
            cast(null as {{ dbt.type_string() }}) as person_id,
            cast(null as {{ dbt.type_timestamp() }}) as person_key_created_at,
            cast(null as {{ dbt.type_string() }}) as previous_person_id,
            cast(null as {{ dbt.type_timestamp() }}) as person_key_changed_at
        where 1 = 0
    {% endif %}
),

nodes_seen as (
    select node_a as identifier_node from links
    union
    select node_b as identifier_node
    from links
    where node_b is not null
    union
    -- identifiers seen in earlier runs keep their key even if their records are gone
    select identifier_node from keys_previous
),

nodes_rooted as (
    select
        nodes_seen.identifier_node,
        coalesce(components.component_root, nodes_seen.identifier_node) as component_root,
        keys_previous.person_id as previous_key,
        keys_previous.person_key_created_at as previous_key_created_at,
        keys_previous.previous_person_id,
        keys_previous.person_key_changed_at
    from nodes_seen
    left join components
        on nodes_seen.identifier_node = components.identifier_node
    left join keys_previous
        on nodes_seen.identifier_node = keys_previous.identifier_node
),

keys_claimed as (
    -- the existing keys each component holds, with how many of its identifiers hold them
    select
        component_root,
        previous_key as person_id,
        min(previous_key_created_at) as person_key_created_at,
        count(*) as identifiers_holding
    from nodes_rooted
    where previous_key is not null
    group by component_root, previous_key
),

keys_claims_ranked as (
    select
        component_root,
        person_id,
        person_key_created_at,
        row_number() over (
            partition by person_id
            order by identifiers_holding desc, component_root asc
        ) as claim_rank
    from keys_claimed
),

keys_kept as (
    -- the oldest key a component may keep
    select
        component_root,
        person_id,
        person_key_created_at,
        row_number() over (
            partition by component_root
            order by person_key_created_at, person_id
        ) as age_rank
    from keys_claims_ranked
    where claim_rank = 1
),

components_listed as (
    select distinct component_root
    from nodes_rooted
),

previous_key_values as (
    select distinct person_id
    from keys_previous
),

components_keyed as (
    select
        components_listed.component_root,
        coalesce(
            keys_kept.person_id,
            case
                -- a fresh key, unless a split left this component's natural key elsewhere
                when previous_key_values.person_id is null
                    then {{ dbt.hash('components_listed.component_root') }}
                else {{ dbt.hash(
                    "components_listed.component_root || '|' || " ~ run_at_text
                ) }}
            end
        ) as person_id,
        coalesce(keys_kept.person_key_created_at, {{ run_at }})
            as person_key_created_at
    from components_listed
    left join keys_kept
        on
            components_listed.component_root = keys_kept.component_root
            and keys_kept.age_rank = 1
    left join previous_key_values
        on
            {{ dbt.hash('components_listed.component_root') }}
            = previous_key_values.person_id
),

identifiers_keyed as (
    select
        nodes_rooted.identifier_node,
        {{ dbt.split_part('nodes_rooted.identifier_node', "':'", 1) }} as identifier_type,
        substr(
            nodes_rooted.identifier_node, strpos(nodes_rooted.identifier_node, ':') + 1
        ) as identifier_value,
        components_keyed.person_id,
        components_keyed.person_key_created_at,
        case
            when nodes_rooted.previous_key <> components_keyed.person_id
                then nodes_rooted.previous_key
            else nodes_rooted.previous_person_id
        end as previous_person_id,
        case
            when nodes_rooted.previous_key <> components_keyed.person_id then {{ run_at }}
            else nodes_rooted.person_key_changed_at
        end as person_key_changed_at
    from nodes_rooted
    inner join components_keyed
        on nodes_rooted.component_root = components_keyed.component_root
)

select * from identifiers_keyed
