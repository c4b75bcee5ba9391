{% macro whole_number_var(name, minimum, allow_none=false) -%}
    {#- The value of var `name`, which must be a whole number from `minimum` (or null, when
        `allow_none`): any other value (text, a fraction, true or false, a smaller number)
        stops the compilation with a message naming the var. -#}
    {%- set value = var(name) -%}
    {%- if value is none and allow_none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if value is not integer or value < minimum -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a whole number from " ~ minimum
            ~ (" or null" if allow_none else "") ~ ", got " ~ value
        ) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
