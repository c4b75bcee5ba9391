{% macro bgnbd_expected_purchases(
    r, alpha, a, b, frequency, recency, customer_age, horizon, terms=none, series=none
) -%}
    {#- BG/NBD expected purchases in the `horizon` after the cutoff (Fader, Hardie & Lee
        2005, eq. 10), horizon in the model's time unit:
        (a+b+x-1)/(a-1) (1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)) P(alive), with
        z = horizon / (alpha + T + horizon): eq. 10 after Euler's transformation of its
        2F1, whose series then needs no more terms for a frequent buyer (the Python
        reference, scripts/predict/bgnbd.py, uses the same form). Needs a != 1. The 2F1
        is hyp2f1_series of `terms` terms, or `series`: a column that holds it, computed
        by hyp2f1_horner_levels over CTEs (dim_person_purchase_predictions). -#}
    {%- set z -%}
        ({{ horizon }} / ({{ alpha }} + {{ customer_age }} + {{ horizon }}))
    {%- endset -%}
    {%- if series is none -%}
        {%- set series = hyp2f1_series(
            '(' ~ a ~ ' + ' ~ b ~ ' - 1 - ' ~ r ~ ')',
            '(' ~ a ~ ' - 1)',
            '(' ~ a ~ ' + ' ~ b ~ ' + ' ~ frequency ~ ' - 1)',
            z,
            terms
        ) -%}
    {%- endif -%}
    (({{ a }} + {{ b }} + {{ frequency }} - 1) / ({{ a }} - 1)
    * (1.0 - {{ exp_flushed(
        '(' ~ a ~ ' - 1) * (ln(' ~ alpha ~ ' + ' ~ customer_age ~ ') - ln('
        ~ alpha ~ ' + ' ~ customer_age ~ ' + ' ~ horizon ~ '))'
    ) }} * {{ series }})
    * {{ bgnbd_p_alive(r, alpha, a, b, frequency, recency, customer_age) }})
{%- endmacro %}
