{% macro create_dq_run_results() -%}
    {#- The results history table, dq_run_results_relation(), created with its schema when
        missing; returns the relation. Run by the on-run-start hook (so the BI view over it,
        fct_dq_run_results, builds on a fresh warehouse) and by store_run_results. -#}
    {%- set relation = dq_run_results_relation() -%}
    {%- if execute -%}
        {%- do adapter.create_schema(relation) -%}
        {%- call statement('create_dq_run_results') -%}
            create table if not exists {{ relation }} (
                run_id {{ dbt.type_string() }},
                run_started_at {{ dbt.type_timestamp() }},
                command {{ dbt.type_string() }},
                target_name {{ dbt.type_string() }},
                unique_id {{ dbt.type_string() }},
                resource_type {{ dbt.type_string() }},
                node_name {{ dbt.type_string() }},
                tested_node_id {{ dbt.type_string() }},
                status {{ dbt.type_string() }},
                failures {{ dbt.type_bigint() }},
                execution_time_seconds {{ dbt.type_numeric() }},
                message {{ dbt.type_string() }},
                owner {{ dbt.type_string() }}
            )
        {%- endcall -%}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
