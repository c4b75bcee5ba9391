{#- One row per hashed email and vendor: the vendor's latest record by as-of date. The
    vendor's key, the plain SHA-256 of the address, is replaced here by its keyed
    pseudonym (macro email_key), the key every join on an address uses. -#}
with

source as (
    select
        email_sha256,
        age_band,
        income_band,
        household_size,
        has_children,
        interests,
        vendor,
        match_confidence,
        as_of_date,
        _loaded_at,
        _source_file,
        _line_number
    from {{ source('enrichment', 'enrichment_profiles') }}
),

pseudonymisation_key as (
    select key_value
    from {{ source('loader', '_pseudonymisation_key') }}
),

profiles_ranked as (
    select
        *,
        row_number() over (
            partition by lower(email_sha256), vendor
            order by as_of_date desc, _loaded_at desc, _line_number desc
        ) as version_rank
    from source
),

profiles_keyed as (
    select
        profiles_ranked.*,
        {{ email_key('profiles_ranked.email_sha256') }} as email_key
    from profiles_ranked
    cross join pseudonymisation_key
    where profiles_ranked.version_rank = 1
),

profiles_renamed as (
    select
        {{ dbt.concat(["email_key", "':'", "vendor"]) }} as enrichment_profile_id,
        email_key,
        vendor as enrichment_vendor,
        age_band,
        income_band,
        household_size as household_size_count,
        has_children,
        interests as interests_list,
        match_confidence as match_confidence_score,
        as_of_date
    from profiles_keyed
)

select * from profiles_renamed
