{#- One row per landing file the loader committed: its table, content hash, batch, and
    the reconciliation of its lines (read = loaded + quarantined + suppressed + blank),
    with the rows an erasure later deleted from the raw table and the quarantine. -#}
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
        rows_suppressed,
        blank_lines,
        rows_erased,
        rows_quarantined_erased,
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
        coalesce(rows_suppressed, 0) as rows_suppressed,
        coalesce(blank_lines, 0) as blank_lines,
        coalesce(rows_erased, 0) as rows_erased,
        coalesce(rows_quarantined_erased, 0) as rows_quarantined_erased,
        {{ to_utc('started_at') }} as started_at,
        {{ to_utc('finished_at') }} as finished_at
    from source
)

select * from files_renamed
