{% macro postgres__analyze_relation(relation) -%}
    {#- A table just built by CREATE TABLE AS has no statistics until autovacuum gets to
        it; without them the planner guesses one row and picks nested loops. -#}
    {%- if relation.is_table or model.config.materialized in ('table', 'incremental') -%}
        analyze {{ relation }}
    {%- endif -%}
{%- endmacro %}
