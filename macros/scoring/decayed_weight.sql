{% macro decayed_weight(weight, age_days, half_life_days) -%}
    {#- weight * 0.5 ^ (age_days / half_life_days): a signal loses half its weight every
        half-life. The exponent is capped at var scoring__max_exponent half-lives, so
        Postgres (which raises on float underflow where DuckDB returns 0) never
        underflows; beyond the cap the weight is negligible anyway. A negative age (an
        event after the as-of date) counts as 0. Scores and traits both use it. In double
        precision: Postgres takes the power of a numeric about 40 times slower, and
        models that round the sums cast them to numeric first. -#}
    ({{ weight }}) * power(
        0.5,
        least(
            cast(greatest({{ age_days }}, 0) as double precision)
            / ({{ half_life_days }}),
            {{ var('scoring__max_exponent') }}
        )
    )
{%- endmacro %}
