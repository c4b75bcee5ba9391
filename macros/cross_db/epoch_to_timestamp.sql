{% macro epoch_to_timestamp(epoch, unit='second') -%}
    {{ return(adapter.dispatch('epoch_to_timestamp', 'email_personalization')(epoch, unit)) }}
{%- endmacro %}
