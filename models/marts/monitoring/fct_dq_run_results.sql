{#- One row per result of a dbt run (model, seed, snapshot, data or unit test, source
    freshness): the results history, as a view in the BI-facing schema. The table itself
    lives in <target schema>_monitoring, which BI cannot read, and is appended to by the
    on-run-end hook, so the view always shows every run. -#}
{{ config(materialized='view') }}

with

run_results as (
    select
        run_id,
        run_started_at,
        command,
        target_name,
        unique_id,
        resource_type,
        node_name,
        tested_node_id,
        status,
        failures,
        execution_time_seconds,
        message,
        owner
    from {{ source('monitoring', 'dq_run_results') }}
)

select * from run_results
