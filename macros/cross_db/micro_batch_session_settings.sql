{% macro micro_batch_session_settings() -%}
    {#- In a micro-batch only: cap the parallel workers of each statement of the model's
        transaction, so that the payload's readers keep cores. Null leaves the server's
        setting. -#}
    {%- if not var('realtime__micro_batch') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set workers = whole_number_var(
        'realtime__postgres_parallel_workers_per_gather', 0, allow_none=true
    ) -%}
    {%- if workers is none -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(local_settings({'max_parallel_workers_per_gather': workers})) }}
{%- endmacro %}
