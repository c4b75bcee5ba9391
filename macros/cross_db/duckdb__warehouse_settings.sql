{% macro duckdb__warehouse_settings() -%}
    {#- On-run-start: DuckDB's memory limit for the whole run (every thread shares the one
        database), from var warehouse__duckdb_memory_limit (by default
        $MAILPIPE_DUCKDB_MEMORY_LIMIT); empty or null keeps DuckDB's own default, 80% of
        the machine's memory. Above it DuckDB spills sorts, joins and aggregates to disk.
        The value must be a number and a unit, such as 3GB or 3.5GiB. -#}
    {%- set limit = var('warehouse__duckdb_memory_limit') -%}
    {%- if limit is not none and (limit | string | trim) != '' -%}
        {%- set limit = limit | string | trim -%}
        {%- if not modules.re.fullmatch('[0-9]+(\\.[0-9]+)?\\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)', limit) -%}
            {{ exceptions.raise_compiler_error(
                "warehouse__duckdb_memory_limit needs a number and a unit (KB, MB, GB, TB, "
                ~ "KiB, MiB, GiB, TiB), such as 3GB; got " ~ limit
            ) }}
        {%- endif -%}
        set global memory_limit = '{{ limit }}'
    {%- endif -%}
{%- endmacro %}
