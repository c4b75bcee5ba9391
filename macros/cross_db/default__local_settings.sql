{% macro default__local_settings(settings) -%}
    {#- DuckDB runs in the runner's own process; the settings used here (JIT, index
        scans, parallel workers) are Postgres's planner's. Nothing. -#}
{%- endmacro %}
