{% macro predict_cutoff_date() -%}
    {#- The calibration cutoff of the purchase models, as a SQL date: var
        predict__cutoff_date when set, else the as-of date (personalization_as_of_date). -#}
    {%- set cutoff = var('predict__cutoff_date') -%}
    {%- if cutoff is none -%}
    {{ personalization_as_of_date() }}
    {%- else -%}
    cast({{ sql_literal(cutoff) }} as date)
    {%- endif -%}
{%- endmacro %}
