{% macro esp_event_type(event, bounce_type) -%}
    {#- SendGrid's event name in this project's vocabulary (send, deliver, open, click,
        bounce_hard, bounce_soft, dropped, deferred, unsubscribe, complaint); null for a
        name it does not know. -#}
    case
        when {{ event }} = 'processed' then 'send'
        when {{ event }} = 'delivered' then 'deliver'
        when {{ event }} = 'bounce' and {{ bounce_type }} = 'blocked' then 'bounce_soft'
        when {{ event }} = 'bounce' then 'bounce_hard'
        when {{ event }} = 'spamreport' then 'complaint'
        when {{ event }} = 'group_unsubscribe' then 'unsubscribe'
        when {{ event }} in ('open', 'click', 'dropped', 'deferred', 'unsubscribe')
            then {{ event }}
    end
{%- endmacro %}
