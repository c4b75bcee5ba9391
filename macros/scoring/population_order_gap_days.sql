{% macro population_order_gap_days(own_gap_days) -%}
    {#- An aggregate: the population's typical gap between orders, the median of repeat
        buyers' own mean gaps (rows with a null gap, one-order buyers, are left out). -#}
    cast(
        percentile_cont(0.5) within group (order by {{ own_gap_days }})
        as {{ dbt.type_numeric() }}
    )
{%- endmacro %}
