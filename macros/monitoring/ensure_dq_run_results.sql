{% macro ensure_dq_run_results() -%}
    {#- The on-run-start hook: create_dq_run_results(), committed (dbt rolls back the
        hook's connection afterwards), rendering no SQL of its own. -#}
    {%- if execute -%}
        {%- do create_dq_run_results() -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
{%- endmacro %}
