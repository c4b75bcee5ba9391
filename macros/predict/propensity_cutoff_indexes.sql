{% macro propensity_cutoff_indexes() -%}
    {#- The indexes of dim_propensity_cutoffs, as a list: 0 is the scoring cutoff, 1 the
        holdout and 2 .. var predict__propensity_training_cutoffs + 1 the training
        cutoffs. A value of the var other than a whole number from 0 stops the
        compilation. -#}
    {%- set training_cutoffs = var('predict__propensity_training_cutoffs') -%}
    {%- if training_cutoffs is not integer or training_cutoffs < 0 -%}
        {{ exceptions.raise_compiler_error(
            "var predict__propensity_training_cutoffs must be a whole number from 0, got "
            ~ training_cutoffs
        ) }}
    {%- endif -%}
    {{ return(range(training_cutoffs + 2) | list) }}
{%- endmacro %}
