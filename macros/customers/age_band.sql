{% macro age_band(age_years) -%}
    {#- An age in whole years as a band label ('<18', '18-24', ..., '65+'); null stays
        null. The bands' lower bounds come from var customers__age_band_lower_bounds. -#}
    {%- set bounds = var('customers__age_band_lower_bounds') -%}
    case
        when {{ age_years }} is null then null
        when {{ age_years }} < {{ bounds[0] }} then '<{{ bounds[0] }}'
        {%- for lower in bounds[:-1] %}
        when {{ age_years }} < {{ bounds[loop.index] }}
            then '{{ lower }}-{{ bounds[loop.index] - 1 }}'
        {%- endfor %}
        else '{{ bounds[-1] }}+'
    end
{%- endmacro %}
