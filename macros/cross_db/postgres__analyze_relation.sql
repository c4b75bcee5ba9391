{% macro postgres__analyze_relation(relation) -%}
    {#- A table just built by CREATE TABLE AS has no statistics until autovacuum gets to
        it; without them the planner guesses one row and picks nested loops. Not for an
        incremental model in a micro-batch (var realtime__micro_batch): there it adds a
        few rows to a table that has statistics, which autovacuum refreshes once enough
        rows have changed, while an ANALYZE samples the whole table (stg_tracking__events
        at 100k customers: 32 s with a cold cache, beside the email events' scope). -#}
    {%- set is_micro_batch_increment = var('realtime__micro_batch')
        and model.config.materialized == 'incremental' -%}
    {%- if not is_micro_batch_increment
        and (relation.is_table or model.config.materialized in ('table', 'incremental')) -%}
        analyze {{ relation }}
    {%- endif -%}
{%- endmacro %}
