{% macro segment_rule(segment, fields) -%}
    {#- A segment's rule as one SQL predicate: all of `all` (and), and at least one of
        `any` (or) when given. A segment with no condition is refused. -#}
    {%- if not execute -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set where = "segment '" ~ segment.get('name') ~ "'" -%}
    {%- set all_conditions = segment.get('all', []) -%}
    {%- set any_conditions = segment.get('any', []) -%}
    {%- if not all_conditions and not any_conditions -%}
        {{ exceptions.raise_compiler_error(where ~ ": give conditions under 'all' or 'any'") }}
    {%- endif -%}
    (
    {%- for condition in all_conditions %}
        {{ 'and ' if not loop.first }}({{ segment_condition(condition, fields, where) }})
    {%- endfor %}
    {%- if any_conditions %}
        {{ 'and ' if all_conditions }}(
        {%- for condition in any_conditions %}
            {{ 'or ' if not loop.first }}({{ segment_condition(condition, fields, where) }})
        {%- endfor %}
        )
    {%- endif %}
    )
{%- endmacro %}
