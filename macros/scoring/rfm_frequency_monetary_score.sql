{% macro rfm_frequency_monetary_score(frequency_score, monetary_score) -%}
    {#- The combined frequency-monetary score 1-5 that names the RFM segment with the
        recency score: the mean of the two, a half rounded up (F 4 and M 5 give 5). -#}
    floor(({{ frequency_score }} + {{ monetary_score }} + 1) / 2.0)
{%- endmacro %}
