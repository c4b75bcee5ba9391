{#- One row per raw table and load day (UTC date the loader committed the files): files,
    lines read, rows loaded and rows quarantined, from the loader's ledger. -#}
with

load_ledger as (
    select
        table_name,
        finished_at,
        lines_read,
        rows_loaded,
        rows_quarantined
    from {{ ref('stg_loader__load_ledger') }}
),

files_dated as (
    select
        table_name,
        cast(finished_at as date) as load_date,
        lines_read,
        rows_loaded,
        rows_quarantined
    from load_ledger
),

days_counted as (
    select
        table_name,
        load_date,
        cast(count(*) as {{ dbt.type_bigint() }}) as file_count,
        cast(sum(lines_read) as {{ dbt.type_bigint() }}) as lines_read,
        cast(sum(rows_loaded) as {{ dbt.type_bigint() }}) as rows_loaded,
        cast(sum(rows_quarantined) as {{ dbt.type_bigint() }}) as rows_quarantined
    from files_dated
    group by table_name, load_date
)

select * from days_counted
