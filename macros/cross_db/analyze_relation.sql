{% macro analyze_relation(relation) -%}
    {{ return(adapter.dispatch('analyze_relation', 'email_personalization')(relation)) }}
{%- endmacro %}
