{#- The merge map: one row per person key that identifiers left, per run. Appended, never
    rewritten, so consumers holding an old key can always find the current one. Text
    columns are cast to varchar so that the appended rows match the contract's types
    (Postgres would otherwise see text and report a schema change). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='fail'
    )
}}

with

keys as (
    select
        person_id,
        previous_person_id,
        person_key_changed_at
    from {{ ref('int_identity_person_keys_assigned') }}
),

keys_changed as (
    select
        previous_person_id,
        person_id,
        person_key_changed_at,
        cast(count(*) as {{ dbt.type_bigint() }}) as identifier_count
    from keys
    where previous_person_id is not null
    group by previous_person_id, person_id, person_key_changed_at
),

last_recorded as (
    {% if is_incremental() %}
        select max(changed_at) as changed_at
        from {{ this }}
    {% else %}
        select cast(null as {{ dbt.type_timestamp() }}) as changed_at
    {% endif %}
),

keys_changed_since_last_run as (
    select
        keys_changed.previous_person_id,
        keys_changed.person_id,
        keys_changed.person_key_changed_at,
        keys_changed.identifier_count
    from keys_changed
    cross join last_recorded
    where
        last_recorded.changed_at is null
        or keys_changed.person_key_changed_at > last_recorded.changed_at
),

keys_live as (
    select distinct person_id
    from keys
),

changes_classified as (
    select
        cast(keys_changed.previous_person_id as varchar)
            as previous_person_id,
        cast(keys_changed.person_id as varchar) as person_id,
        keys_changed.person_key_changed_at as changed_at,
        cast(
            case
                when keys_live.person_id is null then 'merge'
                else 'split'
            end as varchar
        ) as change_type,
        keys_changed.identifier_count
    from keys_changed_since_last_run as keys_changed
    left join keys_live
        on keys_changed.previous_person_id = keys_live.person_id
)

select * from changes_classified
