{% macro segment_priorities() -%}
    {#- The segments of var segments__definitions with their priorities, as a SQL query
        (segment_name, segment_priority). Names must be unique and priorities numbers. -#}
    {%- set segments = var('segments__definitions') -%}
    {%- set seen = [] -%}
    {%- for segment in segments -%}
        {%- if segment.name in seen -%}
            {{ exceptions.raise_compiler_error(
                "segments__definitions: segment '" ~ segment.name ~ "' is defined twice"
            ) }}
        {%- endif -%}
        {%- do seen.append(segment.name) -%}
        {%- if segment.get('priority', 0) is not number -%}
            {{ exceptions.raise_compiler_error(
                "segment '" ~ segment.name ~ "': priority must be a number"
            ) }}
        {%- endif %}
    select
        cast({{ sql_literal(segment.name) }} as varchar) as segment_name,
        {{ segment.get('priority', 0) }} as segment_priority
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
