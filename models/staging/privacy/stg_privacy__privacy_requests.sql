{#- One row per data-subject request, at its latest status. -#}
with

source as (
    select
        request_id,
        request_type,
        customer_id,
        email,
        jurisdiction,
        requested_at,
        status,
        _loaded_at,
        _source_file,
        _line_number
    from {{ source('privacy', 'privacy_requests') }}
),

requests_ranked as (
    select
        *,
        row_number() over (
            partition by request_id
            order by _loaded_at desc, _source_file desc, _line_number desc
        ) as version_rank
    from source
),

requests_renamed as (
    select
        request_id as privacy_request_id,
        request_type,
        customer_id as crm_customer_id,
        {{ normalize_email('email') }} as email,
        jurisdiction,
        {{ to_utc('requested_at') }} as requested_at,
        coalesce(status, 'pending') as request_status
    from requests_ranked
    where version_rank = 1
)

select * from requests_renamed
