{% test has_one_current_row_per_key(model, column_name, current_relation) %}
    {#- Keys of a type-2 snapshot without exactly one current row (dbt_valid_to null):
        several current rows, or none for a key the snapshotted relation still holds. A key
        gone from the relation (deleted at the source) may have none. -#}
    with

    versions as (
        select
            {{ column_name }} as snapshot_key,
            dbt_valid_to
        from {{ model }}
    ),

    keys_counted as (
        select
            snapshot_key,
            count(case when dbt_valid_to is null then 1 end) as current_row_count
        from versions
        group by snapshot_key
    ),

    keys_live as (
        select distinct {{ column_name }} as snapshot_key
        from {{ current_relation }}
    ),

    keys_failing as (
        select
            snapshot_key,
            current_row_count
        from keys_counted
        where current_row_count > 1
        union all
        select
            keys_live.snapshot_key,
            coalesce(keys_counted.current_row_count, 0) as current_row_count
        from keys_live
        left join keys_counted
            on keys_live.snapshot_key = keys_counted.snapshot_key
        where coalesce(keys_counted.current_row_count, 0) = 0
    )

    select * from keys_failing
{% endtest %}
