{#- One row per hashed email and vendor: the vendor's latest record by as-of date. -#}
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

profiles_ranked as (
    select
        *,
        row_number() over (
            partition by lower(email_sha256), vendor
            order by as_of_date desc, _loaded_at desc, _line_number desc
        ) as version_rank
    from source
),

profiles_renamed as (
    select
        {{ dbt.concat(["lower(email_sha256)", "':'", "vendor"]) }}
            as enrichment_profile_id,
        lower(email_sha256) as email_sha256,
        vendor as enrichment_vendor,
        age_band,
        income_band,
        household_size as household_size_count,
        has_children,
        interests as interests_list,
        match_confidence as match_confidence_score,
        as_of_date
    from profiles_ranked
    where version_rank = 1
)

select * from profiles_renamed
