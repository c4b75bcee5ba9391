{% macro purchase_intent_score(intent_points) -%}
    {#- Purchase intent 0-100 from a person's intent points: 100 * (1 - 0.5 ^ (points /
        var scoring__intent_half_score_points)). No points score 0, the half-score points
        50, twice as many 75; the score approaches 100 and never passes it. The exponent
        is capped at var scoring__max_exponent (Postgres raises on float underflow). -#}
    case
        when {{ intent_points }} is null then null
        else 100 * (
            1 - power(
                0.5,
                least(
                    cast({{ intent_points }} as {{ dbt.type_numeric() }})
                    / {{ var('scoring__intent_half_score_points') }},
                    {{ var('scoring__max_exponent') }}
                )
            )
        )
    end
{%- endmacro %}
