{% macro is_email_stop_event(event_type) -%}
    {#- True for an event after which the address may not be emailed until the batch
        build applies every contactability rule: an unsubscribe, a spam complaint or a
        hard bounce (project vocabulary). -#}
    {{ event_type }} in ('unsubscribe', 'complaint', 'bounce_hard')
{%- endmacro %}
