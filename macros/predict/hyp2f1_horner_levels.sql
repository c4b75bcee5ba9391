{% macro hyp2f1_horner_levels(a, b, c, z, first_level, last_level, inner) -%}
    {#- Levels first_level..last_level of the 2F1(a, b; c; z) series in Horner's form
        around `inner` (the value of the levels above last_level; '1.0' at the top):
        level k is 1 + z (a+k-1)(b+k-1) / ((c+k-1) k) * (level k+1). With first_level 1
        and inner '1.0' it is the series' first last_level + 1 terms. Each level adds 1
        to a product of moderate numbers, so nothing underflows. a, b, c and z appear
        once per level: pass columns or short expressions. Python reference:
        scripts/predict/hypergeometric.py. -#}
    {%- set levels = [] -%}
    {%- for k in range(first_level | int, (last_level | int) + 1) -%}
        {%- do levels.append(
            '(1.0 + ' ~ z ~ ' * (' ~ a ~ ' + ' ~ (k - 1) ~ ') * (' ~ b ~ ' + ' ~ (k - 1)
            ~ ') / ((' ~ c ~ ' + ' ~ (k - 1) ~ ') * ' ~ k ~ ') * '
        ) -%}
    {%- endfor -%}
    {{ levels | join('') }}{{ inner }}{{ ')' * levels | length }}
{%- endmacro %}
