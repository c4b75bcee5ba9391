{% macro engagement_points(engagement_type, age_days) -%}
    {#- Points of one engagement ('open', 'click' or 'purchase'; any other type scores 0):
        its weight from var scoring__engagement_weights, halved every
        var scoring__engagement_half_life_days days of age. Summed per person, they make
        the engagement score. -#}
    {%- set weights = var('scoring__engagement_weights') -%}
    {%- set weight -%}
        case {{ engagement_type }}
            when 'open' then {{ weights['open'] }}
            when 'click' then {{ weights['click'] }}
            when 'purchase' then {{ weights['purchase'] }}
            else 0
        end
    {%- endset -%}
    {{ decayed_weight(weight, age_days, var('scoring__engagement_half_life_days')) }}
{%- endmacro %}
