{% macro bgnbd_p_purchase_within(
    r, alpha, a, b, frequency, recency, customer_age, horizon
) -%}
    {#- BG/NBD probability of at least one purchase in the `horizon` after the cutoff:
        P(alive) (1 - ((alpha+T)/(alpha+T+horizon))^(r+x)). An active customer's purchase
        rate is Gamma(r+x, alpha+T) given the history, and without a purchase in the
        window they cannot drop out in it. -#}
    ({{ bgnbd_p_alive(r, alpha, a, b, frequency, recency, customer_age) }}
    * (1.0 - {{ exp_flushed(
        '(' ~ r ~ ' + ' ~ frequency ~ ') * (ln(' ~ alpha ~ ' + ' ~ customer_age
        ~ ') - ln(' ~ alpha ~ ' + ' ~ customer_age ~ ' + ' ~ horizon ~ '))'
    ) }}))
{%- endmacro %}
