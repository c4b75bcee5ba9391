{% macro loyalty_tier(lifetime_points) -%}
    {#- The loyalty tier of a lifetime points total: the highest tier of var
        customers__loyalty_tiers whose min_points it reaches; null stays null. -#}
    {%- set tiers = var('customers__loyalty_tiers') | sort(attribute='min_points', reverse=true) -%}
    case
        when {{ lifetime_points }} is null then null
        {%- for tier in tiers %}
        when {{ lifetime_points }} >= {{ tier.min_points }} then {{ sql_literal(tier.name) }}
        {%- endfor %}
    end
{%- endmacro %}
