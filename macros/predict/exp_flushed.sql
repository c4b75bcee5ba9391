{% macro exp_flushed(exponent) -%}
    {#- e to the power `exponent` (a SQL expression), as both engines can take it: exactly
        0 below -700 (Postgres raises an error on float underflow where DuckDB returns 0),
        the exponent capped at 700 (e^700 is about 1e304; beyond e^709 Postgres raises on
        overflow). -#}
    (case
        when ({{ exponent }}) < -700 then 0.0
        else exp(least({{ exponent }}, 700.0))
    end)
{%- endmacro %}
