{% macro is_bot_click(event_type, user_agent, delivered_at, occurred_at) -%}
    {#- True for a click a link scanner made: its user agent is a known scanner
        (var email__bot_click_user_agents), or it came no more than
        var email__bot_click_max_seconds_after_delivery seconds after the message's
        delivery. -#}
    ({{ event_type }} = 'click' and (
        {{ contains_any(user_agent, var('email__bot_click_user_agents')) }}
        or coalesce(
            {{ dbt.datediff(delivered_at, occurred_at, 'second') }}
            <= {{ var('email__bot_click_max_seconds_after_delivery') }},
            false
        )
    ))
{%- endmacro %}
