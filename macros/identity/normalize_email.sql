{% macro normalize_email(column) -%}
    {#- Trimmed, lower-cased, empty as null. With identity__apply_provider_email_rules on,
        Gmail addresses also lose the dots and the +tag of their local part. -#}
    {%- set trimmed = "nullif(lower(trim(" ~ column ~ ")), '')" -%}
    {%- if var('identity__apply_provider_email_rules', false) -%}
    case
        when {{ dbt.split_part(trimmed, "'@'", 2) }} in ('gmail.com', 'googlemail.com')
            then replace(
                {{ dbt.split_part(dbt.split_part(trimmed, "'@'", 1), "'+'", 1) }}, '.', ''
            ) || '@gmail.com'
        else {{ trimmed }}
    end
    {%- else -%}
    {{ trimmed }}
    {%- endif -%}
{%- endmacro %}
