{% macro local_settings(settings) -%}
    {#- A model's pre-hook: server settings for the statements of the model's transaction,
        `settings` a mapping of setting name to value. Dispatched. Names and values come
        from this project's code, never from users; a name that is not a plain setting
        name stops the build. -#}
    {%- for name in settings -%}
        {%- if not modules.re.fullmatch('[a-z_]+', name) -%}
            {{ exceptions.raise_compiler_error(
                'local_settings: "' ~ name ~ '" is not a setting name'
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('local_settings', 'email_personalization')(settings)) }}
{%- endmacro %}
