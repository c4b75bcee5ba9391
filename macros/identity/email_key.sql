{% macro email_key(email_sha256, key='pseudonymisation_key.key_value') -%}
    {#- The pseudonym of an email address: SHA-256 (hex) of the pseudonymisation key, a
        colon and the SHA-256 (hex) of the normalised address. Takes the address's SHA-256
        so that data keyed by it (enrichment vendors, ad platforms) gets the same pseudonym
        as our own; call it as email_key(sha256_hex('email')) on a plain address. The
        model joins the key (source loader._pseudonymisation_key) as
        `pseudonymisation_key`. -#}
    {{ sha256_hex(dbt.concat([key, "':'", "lower(" ~ email_sha256 ~ ")"])) }}
{%- endmacro %}
