{% macro indexes_on_postgres(indexes) -%}
    {#- The `indexes` config for a model: these indexes on Postgres, where incremental runs
        find a few keys among millions of rows through them, and none on DuckDB, whose
        column store scans instead (an ART index there costs memory and build time and
        speeds up none of these queries). -#}
    {{ return(indexes if target.type == 'postgres' else []) }}
{%- endmacro %}
