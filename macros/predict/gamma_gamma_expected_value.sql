{% macro gamma_gamma_expected_value(p, q, v, frequency, monetary_value) -%}
    {#- Gamma-Gamma expected mean purchase amount (Fader, Hardie & Lee 2005, "RFM and
        CLV"): p (v + x m) / (p x + q - 1), with x repeat purchases of mean amount m; with
        none, the population's mean p v / (q - 1). Needs q > 1. -#}
    ({{ p }} * ({{ v }} + {{ frequency }} * {{ monetary_value }})
    / ({{ p }} * {{ frequency }} + {{ q }} - 1))
{%- endmacro %}
