{% macro rfm_monetary_score(net_revenue_amount) -%}
    {#- Monetary score 1-5 from net revenue in the reporting currency: var
        scoring__rfm_monetary_min_amounts holds the lowest amount of scores 2, 3, 4 and 5.
        Null stays null. -#}
    {%- set bounds = var('scoring__rfm_monetary_min_amounts') -%}
    {%- if bounds | length != 4 or bounds != bounds | sort -%}
        {{ exceptions.raise_compiler_error(
            "scoring__rfm_monetary_min_amounts needs 4 ascending bounds, got " ~ bounds
        ) }}
    {%- endif -%}
    case
        when {{ net_revenue_amount }} is null then null
        {%- for bound in bounds | reverse %}
        when {{ net_revenue_amount }} >= {{ bound }} then {{ 5 - loop.index0 }}
        {%- endfor %}
        else 1
    end
{%- endmacro %}
