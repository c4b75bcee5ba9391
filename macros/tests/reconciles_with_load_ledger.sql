{% test reconciles_with_load_ledger(model, raw_relation, raw_key_columns, raw_table_name=none) %}
    {#- Reconciles a staging model with its raw table and the loader's bookkeeping.
        Per load batch: the ledger's records (lines read - blank lines, summed over the
        batch's files) = raw rows of the batch + rows quarantined for the table and batch
        + rows suppressed at load + rows erased since (raw and quarantined), and the
        ledger's rows loaded less rows erased and rows quarantined less quarantined rows
        erased match the raw and quarantined rows one by one (check_name batch_mismatch; a
        batch missing on either side counts as 0 there).
        Per table: staged rows = distinct values of the staging model's dedupe key over
        the raw rows (`raw_key_columns`, SQL expressions on the raw table, nulls forming
        one key as in row_number's partition), so the duplicates dropped (raw rows -
        staged rows) are exactly the re-deliveries and never negative (check_name
        staged_mismatch). Returns the offending checks. -#}
    {%- set raw_table_name = raw_table_name or raw_relation.identifier -%}
    with

    ledger_files as (
        select
            batch_id,
            lines_read,
            rows_loaded,
            rows_quarantined,
            rows_suppressed,
            blank_lines,
            rows_erased,
            rows_quarantined_erased
        from {{ ref('stg_loader__load_ledger') }}
        where table_name = '{{ raw_table_name }}'
    ),

    raw_rows as (
        select _batch_id as batch_id
        from {{ raw_relation }}
    ),

    quarantined_rows as (
        select _batch_id as batch_id
        from {{ source('loader', 'load_quarantine') }}
        where table_name = '{{ raw_table_name }}'
    ),

    staged_rows as (
        select cast(count(*) as {{ dbt.type_bigint() }}) as staged_row_count
        from {{ model }}
    ),

    raw_keys_distinct as (
        select cast(count(*) as {{ dbt.type_bigint() }}) as distinct_key_count
        from (
            select distinct
                {{ raw_key_columns | join(',\n                ') }}
            from {{ raw_relation }}
        ) as raw_keys
    ),

    ledger_batches as (
        select
            batch_id,
            cast(sum(lines_read - blank_lines) as {{ dbt.type_bigint() }})
                as ledger_record_count,
            cast(sum(rows_loaded) as {{ dbt.type_bigint() }}) as ledger_loaded_count,
            cast(sum(rows_quarantined) as {{ dbt.type_bigint() }})
                as ledger_quarantined_count,
            cast(sum(rows_suppressed) as {{ dbt.type_bigint() }}) as ledger_suppressed_count,
            cast(sum(rows_erased) as {{ dbt.type_bigint() }}) as ledger_erased_count,
            cast(sum(rows_quarantined_erased) as {{ dbt.type_bigint() }})
                as ledger_quarantined_erased_count
        from ledger_files
        group by batch_id
    ),

    raw_batches as (
        select
            batch_id,
            cast(count(*) as {{ dbt.type_bigint() }}) as raw_row_count
        from raw_rows
        group by batch_id
    ),

    quarantine_batches as (
        select
            batch_id,
            cast(count(*) as {{ dbt.type_bigint() }}) as quarantined_row_count
        from quarantined_rows
        group by batch_id
    ),

    raw_total as (
        -- from the batches' counts: another count of the raw table is another scan
        select cast(coalesce(sum(raw_row_count), 0) as {{ dbt.type_bigint() }}) as raw_row_count
        from raw_batches
    ),

    batches_listed as (
        select batch_id from ledger_batches
        union
        select batch_id from raw_batches
        union
        select batch_id from quarantine_batches
    ),

    batches_compared as (
        select
            batches_listed.batch_id,
            coalesce(ledger_batches.ledger_record_count, 0) as ledger_record_count,
            coalesce(ledger_batches.ledger_loaded_count, 0) as ledger_loaded_count,
            coalesce(ledger_batches.ledger_quarantined_count, 0)
                as ledger_quarantined_count,
            coalesce(ledger_batches.ledger_suppressed_count, 0)
                as ledger_suppressed_count,
            coalesce(ledger_batches.ledger_erased_count, 0) as ledger_erased_count,
            coalesce(ledger_batches.ledger_quarantined_erased_count, 0)
                as ledger_quarantined_erased_count,
            coalesce(raw_batches.raw_row_count, 0) as raw_row_count,
            coalesce(quarantine_batches.quarantined_row_count, 0)
                as quarantined_row_count
        from batches_listed
        left join ledger_batches
            on batches_listed.batch_id = ledger_batches.batch_id
        left join raw_batches
            on batches_listed.batch_id = raw_batches.batch_id
        left join quarantine_batches
            on batches_listed.batch_id = quarantine_batches.batch_id
    ),

    batch_mismatches as (
        select
            'batch_mismatch' as check_name,
            cast(batch_id as {{ dbt.type_string() }}) as batch_id,
            ledger_record_count,
            ledger_loaded_count,
            ledger_quarantined_count,
            ledger_suppressed_count,
            ledger_erased_count,
            ledger_quarantined_erased_count,
            raw_row_count,
            quarantined_row_count,
            cast(null as {{ dbt.type_bigint() }}) as staged_row_count,
            cast(null as {{ dbt.type_bigint() }}) as distinct_key_count,
            cast(null as {{ dbt.type_bigint() }}) as duplicates_dropped_count
        from batches_compared
        where
            ledger_record_count
            <> raw_row_count + quarantined_row_count + ledger_suppressed_count
            + ledger_erased_count + ledger_quarantined_erased_count
            or ledger_loaded_count - ledger_erased_count <> raw_row_count
            or ledger_quarantined_count - ledger_quarantined_erased_count
            <> quarantined_row_count
    ),

    table_compared as (
        select
            'staged_mismatch' as check_name,
            cast(null as {{ dbt.type_string() }}) as batch_id,
            cast(null as {{ dbt.type_bigint() }}) as ledger_record_count,
            cast(null as {{ dbt.type_bigint() }}) as ledger_loaded_count,
            cast(null as {{ dbt.type_bigint() }}) as ledger_quarantined_count,
            cast(null as {{ dbt.type_bigint() }}) as ledger_suppressed_count,
            cast(null as {{ dbt.type_bigint() }}) as ledger_erased_count,
            cast(null as {{ dbt.type_bigint() }}) as ledger_quarantined_erased_count,
            raw_total.raw_row_count,
            cast(null as {{ dbt.type_bigint() }}) as quarantined_row_count,
            staged_rows.staged_row_count,
            raw_keys_distinct.distinct_key_count,
            raw_total.raw_row_count - staged_rows.staged_row_count
                as duplicates_dropped_count
        from staged_rows
        cross join raw_keys_distinct
        cross join raw_total
    ),

    table_mismatches as (
        select *
        from table_compared
        where
            staged_row_count <> distinct_key_count
            or duplicates_dropped_count < 0
    )

    select * from batch_mismatches
    union all
    select * from table_mismatches
{% endtest %}
