{% macro hyp2f1_series(a, b, c, z, terms=none) -%}
    {#- The Gauss hypergeometric function 2F1(a, b; c; z) by its power series truncated to
        `terms` terms (default var predict__series_terms), in Horner's form:
        1 + z a b / (c 1) (1 + z (a+1)(b+1) / ((c+1) 2) (1 + ...)). One expression per row,
        no rows multiplied; each level adds 1 to a product of moderate numbers, so nothing
        underflows. a, b, c and z should be columns or short expressions: each appears once
        per term. scripts/predict/hypergeometric.py is the reference. -#}
    {%- set n = terms if terms is not none else var('predict__series_terms') -%}
    {%- if n is not number or n < 1 -%}
        {{ exceptions.raise_compiler_error(
            "hyp2f1_series: terms must be a whole number of at least 1, got " ~ n
        ) }}
    {%- endif -%}
    {%- set levels = [] -%}
    {%- for k in range(1, n | int) -%}
        {%- do levels.append(
            '(1.0 + ' ~ z ~ ' * (' ~ a ~ ' + ' ~ (k - 1) ~ ') * (' ~ b ~ ' + ' ~ (k - 1)
            ~ ') / ((' ~ c ~ ' + ' ~ (k - 1) ~ ') * ' ~ k ~ ') * '
        ) -%}
    {%- endfor -%}
    {{ levels | join('') }}1.0{{ ')' * levels | length }}
{%- endmacro %}
