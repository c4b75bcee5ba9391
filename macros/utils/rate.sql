{% macro rate(numerator, denominator, scale=4) -%}
    {#- numerator / denominator as numeric(9, scale), rounded half up to `scale`
        decimals; null when the denominator is 0 (or null). The numerator is cast to
        numeric first, so integer division never truncates; floor(x + 0.5) rounds the same
        way on every engine, where round() does not. -#}
    {%- if scale is not integer or scale < 0 or scale > 8 -%}
        {{ exceptions.raise_compiler_error(
            "rate(): scale must be a whole number from 0 to 8, got " ~ scale
        ) }}
    {%- endif -%}
    {%- set unit = '1' if scale == 0 else '0.' ~ '0' * (scale - 1) ~ '1' -%}
    cast(
        cast(
            floor(
                cast({{ numerator }} as numeric(28, 6)) * {{ 10 ** scale }}
                / nullif({{ denominator }}, 0)
                + 0.5
            )
            as {{ dbt.type_bigint() }}
        ) * {{ unit }}
        as numeric(9, {{ scale }})
    )
{%- endmacro %}
