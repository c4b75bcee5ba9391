{% macro grant_access(readers=none, schemas=none) -%}
    {#- The second on-run-end hook: each reader role may read its schema and nothing else
        of this target. Dispatched: Postgres grants and revokes, other engines (DuckDB,
        which has no roles) do nothing. Renders no SQL itself. -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('grant_access', 'email_personalization')(
        access_readers() if readers is none else readers,
        access_target_schemas() if schemas is none else schemas,
    )) }}
{%- endmacro %}
