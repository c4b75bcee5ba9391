{% macro postgres__micro_batch_session_settings() -%}
    {#- In a micro-batch only: cap the parallel workers of each statement of the model's
        transaction (set local ends with it), so that the payload's readers keep cores.
        Null leaves the server's setting. -#}
    {%- if var('realtime__micro_batch') -%}
        {%- set workers = whole_number_var(
            'realtime__postgres_parallel_workers_per_gather', 0, allow_none=true
        ) -%}
        {%- if workers is not none -%}
            set local max_parallel_workers_per_gather = {{ workers }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
