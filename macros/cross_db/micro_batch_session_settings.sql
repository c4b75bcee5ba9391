{% macro micro_batch_session_settings() -%}
    {{ return(adapter.dispatch('micro_batch_session_settings', 'email_personalization')()) }}
{%- endmacro %}
