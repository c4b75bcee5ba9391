{% macro latest_loaded_at() -%}
    {#- On a run of an incremental model (not its unit tests): the latest loaded_at the
        model's table holds, read before the model's query is planned, as
        {'known': true, 'value': a timestamp with time zone literal, or none when the table
        is empty}. Elsewhere (parsing, a unit test whose `this` is a fixture)
        {'known': false}: the caller then reads it in SQL. -#}
    {%- if not execute or model.resource_type != 'model' -%}
        {{ return({'known': false}) }}
    {%- endif -%}
    {%- set result = run_query('select max(loaded_at) from ' ~ this) -%}
    {%- set latest = result.columns[0].values()[0] -%}
    {%- if latest is none -%}
        {{ return({'known': true, 'value': none}) }}
    {%- endif -%}
    {{ return({
        'known': true,
        'value': "cast('" ~ latest.isoformat() ~ "' as timestamp with time zone)"
    }) }}
{%- endmacro %}
