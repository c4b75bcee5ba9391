{% macro is_loaded_after_watermark(loaded_at, watermark_column, watermark_relation) -%}
    {#- `loaded_at` is later than the latest `watermark_column` of `watermark_relation`
        (true for every row while it holds none). One value compared with the column, so
        that Postgres can read the rows past it by an index on the load time. -#}
    {{ loaded_at }} > (
        select coalesce(max({{ watermark_column }}), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ watermark_relation }}
    )
{%- endmacro %}
