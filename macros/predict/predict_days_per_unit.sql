{% macro predict_days_per_unit() -%}
    {#- Days in the purchase models' time unit (var predict__time_unit): 1.0 for days,
        7.0 for weeks. Any other value stops the compilation. -#}
    {%- set units = {'days': '1.0', 'weeks': '7.0'} -%}
    {%- set unit = var('predict__time_unit') -%}
    {%- if unit not in units -%}
        {{ exceptions.raise_compiler_error(
            "var predict__time_unit must be 'days' or 'weeks', got " ~ unit
        ) }}
    {%- endif -%}
    {{ units[unit] }}
{%- endmacro %}
