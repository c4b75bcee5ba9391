{% macro default__micro_batch_session_settings() -%}
    {#- DuckDB runs in the runner's own process and needs no setting. -#}
{%- endmacro %}
