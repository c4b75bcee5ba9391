{% macro is_machine_open(event_type, is_platform_machine_open, user_agent) -%}
    {#- True for an open that a machine made: the platform flagged it, or the user agent is
        a mail privacy proxy (var email__machine_open_user_agents). -#}
    ({{ event_type }} = 'open' and (
        coalesce({{ is_platform_machine_open }}, false)
        or {{ contains_any(user_agent, var('email__machine_open_user_agents')) }}
    ))
{%- endmacro %}
