-- What the loader quarantined, by table, reason and field, with an example line.
-- Compile with `dbt compile --select quarantine_by_reason` and run it in your SQL client.
with

quarantine as (
    select
        table_name,
        reason,
        detail,
        _source_file,
        _line_number
    from {{ source('loader', 'load_quarantine') }}
),

reasons_counted as (
    select
        table_name,
        reason,
        detail,
        count(*) as record_count,
        min(_source_file) as example_file,
        min(_line_number) as example_line_number
    from quarantine
    group by table_name, reason, detail
)

select * from reasons_counted
order by table_name asc, record_count desc
