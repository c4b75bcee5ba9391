{% macro segment_condition(condition, fields, where) -%}
    {#- One condition of a segment rule, {field, op, value}, as a SQL predicate. The field
        must be one of `fields` (the columns segments may use) and the operator one of a
        fixed list; values go through segment_value, so nothing a user writes reaches the
        SQL unescaped. -#}
    {%- set comparisons = {
        '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>='
    } -%}
    {%- set field = condition.get('field') -%}
    {%- set op = condition.get('op', '=') -%}
    {%- if not modules.re.match('^[a-z_][a-z0-9_]*$', field | string) -%}
        {{ exceptions.raise_compiler_error(where ~ ": '" ~ field ~ "' is not a column name") }}
    {%- endif -%}
    {%- if fields is not none and field not in fields -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": unknown field '" ~ field ~ "'. Segments may use: " ~ fields | join(', ')
        ) }}
    {%- endif -%}
    {%- if op in comparisons -%}
        {{ field }} {{ comparisons[op] }} {{ segment_value(condition.get('value'), where) }}
    {%- elif op in ('in', 'not_in') -%}
        {%- set values = condition.get('value') -%}
        {%- if values is string or values is not iterable or values | length == 0 -%}
            {{ exceptions.raise_compiler_error(where ~ ": '" ~ op ~ "' needs a list of values") }}
        {%- endif -%}
        {{ field }} {{ 'in' if op == 'in' else 'not in' }} (
        {%- for value in values -%}
            {{ segment_value(value, where) }}{{ ', ' if not loop.last }}
        {%- endfor -%})
    {%- elif op == 'is_true' -%}
        {{ field }} = true
    {%- elif op == 'is_false' -%}
        {{ field }} = false
    {%- elif op == 'is_null' -%}
        {{ field }} is null
    {%- elif op == 'is_not_null' -%}
        {{ field }} is not null
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            where ~ ": unknown operator '" ~ op ~ "'. Use one of: "
            ~ (comparisons.keys() | list + ['in', 'not_in', 'is_true', 'is_false', 'is_null',
            'is_not_null']) | join(', ')
        ) }}
    {%- endif -%}
{%- endmacro %}
