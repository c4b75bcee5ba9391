{% macro rfm_recency_score(days_since_last_order) -%}
    {#- Recency score 1-5 from the days since the latest order: 5 up to the first bound of
        var scoring__rfm_recency_max_days, 4 up to the second, ..., 1 beyond the last.
        Null (no order) stays null. -#}
    {%- set bounds = var('scoring__rfm_recency_max_days') -%}
    {%- if bounds | length != 4 or bounds != bounds | sort -%}
        {{ exceptions.raise_compiler_error(
            "scoring__rfm_recency_max_days needs 4 ascending bounds, got " ~ bounds
        ) }}
    {%- endif -%}
    case
        when {{ days_since_last_order }} is null then null
        {%- for bound in bounds %}
        when {{ days_since_last_order }} <= {{ bound }} then {{ 5 - loop.index0 }}
        {%- endfor %}
        else 1
    end
{%- endmacro %}
