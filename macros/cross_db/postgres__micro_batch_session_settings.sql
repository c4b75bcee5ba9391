{% macro postgres__micro_batch_session_settings() -%}
    {#- In a micro-batch only: cap the parallel workers of each statement of the model's
        transaction (set local ends with it), so that the payload's readers keep cores. -#}
    {%- set workers = var('realtime__postgres_parallel_workers_per_gather') -%}
    {%- if var('realtime__micro_batch') and workers is not none -%}
        {%- if workers is boolean or workers is not number or workers != workers | int
            or workers < 0 -%}
            {{ exceptions.raise_compiler_error(
                "realtime__postgres_parallel_workers_per_gather needs a whole number >= 0 "
                ~ "or null, got " ~ workers
            ) }}
        {%- endif -%}
        set local max_parallel_workers_per_gather = {{ workers }}
    {%- endif -%}
{%- endmacro %}
