{% macro logistic(linear_predictor) -%}
    {#- 1 / (1 + e^-x), the probability of a logistic regression's linear predictor x,
        through exp_flushed, so that neither engine underflows or overflows: a predictor
        above 700 gives exactly 1, one below -700 about 1e-304. -#}
    (1.0 / (1.0 + {{ exp_flushed('-(' ~ linear_predictor ~ ')') }}))
{%- endmacro %}
