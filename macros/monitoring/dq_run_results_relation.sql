{% macro dq_run_results_relation() -%}
    {#- The results history table: <target schema>_monitoring.dq_run_results. -#}
    {{ return(api.Relation.create(
        database=target.database,
        schema=target.schema ~ '_monitoring',
        identifier='dq_run_results',
        type='table',
    )) }}
{%- endmacro %}
