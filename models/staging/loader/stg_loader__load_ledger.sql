{#- One row per landing file the loader committed: its table, content hash, batch, and
    the reconciliation of its lines (read = loaded + quarantined + blank). -#}
with

source as (
    select
        table_name,
        file_sha256,
        source_file,
        batch_id,
        lines_read,
        rows_loaded,
        rows_quarantined,
        blank_lines,
        started_at,
        finished_at
    from {{ source('loader', 'load_ledger') }}
),

files_renamed as (
    select
        table_name,
        file_sha256,
        source_file,
        batch_id,
        coalesce(lines_read, 0) as lines_read,
        coalesce(rows_loaded, 0) as rows_loaded,
        coalesce(rows_quarantined, 0) as rows_quarantined,
        coalesce(blank_lines, 0) as blank_lines,
        {{ to_utc('started_at') }} as started_at,
        {{ to_utc('finished_at') }} as finished_at
    from source
)

select * from files_renamed
