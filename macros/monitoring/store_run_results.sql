{% macro store_run_results(results) -%}
    {#- The on-run-end hook: one row per node result of this invocation (models, seeds,
        snapshots, data and unit tests, source freshness) appended to
        dq_run_results_relation() in one multi-row insert, the table created when missing.
        Renders no SQL itself, so dbt has nothing left to run. Values go in as escaped
        literals (sql_literal). -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relation = create_dq_run_results() -%}
    {%- set started_at = run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') -%}
    {%- set command = flags.WHICH or invocation_args_dict.get('which') -%}
    {%- set rows = [] -%}
    {%- for result in results if result.node is defined and result.node is not none -%}
        {%- set node = result.node -%}
        {%- set seconds = result.execution_time -%}
        {%- do rows.append(
            '(' ~ [
                sql_literal(invocation_id),
                'cast(' ~ sql_literal(started_at) ~ ' as ' ~ dbt.type_timestamp() ~ ')',
                dq_literal_or_null(command),
                sql_literal(target.name),
                sql_literal(node.unique_id),
                sql_literal(node.resource_type),
                sql_literal(node.name),
                dq_literal_or_null(dq_tested_node_id(node)),
                sql_literal(result.status),
                'null' if result.failures is none else (result.failures | int | string),
                'null' if seconds is none else '%.3f' | format(seconds),
                dq_literal_or_null(dq_clean_message(result.message)),
                dq_literal_or_null(dq_node_owner(node)),
            ] | join(', ') ~ ')'
        ) -%}
    {%- endfor -%}
    {%- if rows -%}
        {%- call statement('insert_dq_run_results') -%}
            insert into {{ relation }} (
                run_id, run_started_at, command, target_name, unique_id, resource_type,
                node_name, tested_node_id, status, failures, execution_time_seconds,
                message, owner
            )
            values
            {{ rows | join(',\n') }}
        {%- endcall -%}
    {%- endif -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{%- endmacro %}
