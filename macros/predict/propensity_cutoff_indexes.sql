{% macro propensity_cutoff_indexes() -%}
    {#- The indexes of dim_propensity_cutoffs, as a list: 0 is the scoring cutoff, 1 the
        holdout and 2 .. var predict__propensity_training_cutoffs + 1 the training
        cutoffs. A value of the var other than a whole number from 0 stops the
        compilation. -#}
    {%- set training_cutoffs = whole_number_var('predict__propensity_training_cutoffs', 0) -%}
    {{ return(range(training_cutoffs + 2) | list) }}
{%- endmacro %}
