{% macro bgnbd_p_alive(r, alpha, a, b, frequency, recency, customer_age) -%}
    {#- BG/NBD probability that a customer is still active at the cutoff (Fader, Hardie &
        Lee 2008): 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)) with x repeat
        purchases, recency t_x and age T; 1 without a repeat purchase. Computed from the
        log-odds of having dropped out; below 1e-200 (log-odds above 460) it is 0, so that
        a product with it cannot underflow on Postgres. -#}
    {%- set log_odds -%}
        (ln({{ a }}) - ln({{ b }} + {{ frequency }} - 1)
        + ({{ r }} + {{ frequency }})
        * (ln({{ alpha }} + {{ customer_age }}) - ln({{ alpha }} + {{ recency }})))
    {%- endset -%}
    (case
        when {{ frequency }} = 0 then 1.0
        when {{ log_odds }} > 460 then 0.0
        else 1.0 / (1.0 + exp({{ log_odds }}))
    end)
{%- endmacro %}
