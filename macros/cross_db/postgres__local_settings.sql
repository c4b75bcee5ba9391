{% macro postgres__local_settings(settings) -%}
    {#- `set local` ends with the model's transaction, so the next model on the same
        connection gets the server's settings back. -#}
    {%- for name, value in settings.items() -%}
        set local {{ name }} = {{ value }}{% if not loop.last %};{{ '\n' }}{% endif %}
    {%- endfor -%}
{%- endmacro %}
