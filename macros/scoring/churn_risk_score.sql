{% macro churn_risk_score(days_since_last_order, typical_order_gap_days) -%}
    {#- Churn risk 0-1: a logistic curve of how overdue the person is, the days since the
        latest order over their typical gap between orders. The risk is 0.5 at
        var scoring__churn_midpoint_gap_ratio gaps and rises with
        var scoring__churn_steepness. The exponent is clamped to +/- var
        scoring__max_exponent so exp() cannot overflow or underflow on Postgres. Null
        when either input is null. -#}
    {%- set max_exponent = var('scoring__max_exponent') -%}
    case
        when {{ days_since_last_order }} is null or {{ typical_order_gap_days }} is null
            then null
        else 1 / (
            1 + exp(
                least(
                    greatest(
                        {{ var('scoring__churn_steepness') }} * (
                            {{ var('scoring__churn_midpoint_gap_ratio') }}
                            - cast({{ days_since_last_order }} as {{ dbt.type_numeric() }})
                            / {{ typical_order_gap_days }}
                        ),
                        -{{ max_exponent }}
                    ),
                    {{ max_exponent }}
                )
            )
        )
    end
{%- endmacro %}
