{% macro hyp2f1_series(a, b, c, z, terms=none) -%}
    {#- The Gauss hypergeometric function 2F1(a, b; c; z) by its power series truncated to
        `terms` terms (default var predict__series_terms), in Horner's form, as one
        expression: hyp2f1_horner_levels from the first level to the last around 1. For
        many terms a model chains hyp2f1_horner_levels over CTEs instead, a block of
        levels each, so that no expression nests hundreds of levels deep. -#}
    {%- set n = terms if terms is not none else var('predict__series_terms') -%}
    {%- if n is not number or n < 1 -%}
        {{ exceptions.raise_compiler_error(
            "hyp2f1_series: terms must be a whole number of at least 1, got " ~ n
        ) }}
    {%- endif -%}
    {{ hyp2f1_horner_levels(a, b, c, z, 1, (n | int) - 1, '1.0') }}
{%- endmacro %}
