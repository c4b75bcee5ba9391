{#- One row per campaign and A/B variant, the latest export winning. -#}
with

source as (
    select
        campaign_id,
        variant,
        name,
        subject,
        campaign_type,
        ab_test_id,
        from_name,
        scheduled_at,
        sent_at,
        created_at,
        _loaded_at,
        _source_file,
        _line_number
    from {{ source('esp', 'esp_campaigns') }}
),

campaigns_ranked as (
    select
        *,
        row_number() over (
            partition by campaign_id, coalesce(variant, '')
            order by _loaded_at desc, _source_file desc, _line_number desc
        ) as version_rank
    from source
),

campaigns_renamed as (
    select
        {{ dbt.concat(["campaign_id", "':'", "coalesce(variant, '')"]) }}
            as campaign_variant_id,
        campaign_id,
        variant as campaign_variant,
        name as campaign_name,
        subject as subject_line,
        campaign_type,
        ab_test_id,
        from_name,
        {{ to_utc('scheduled_at') }} as scheduled_at,
        {{ to_utc('sent_at') }} as sent_at,
        {{ to_utc('created_at') }} as created_at
    from campaigns_ranked
    where version_rank = 1
)

select * from campaigns_renamed
