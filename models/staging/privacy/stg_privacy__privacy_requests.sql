{#- One row per data-subject request, at its latest status. An erasure request carried
    out by `mailpipe erase` (listed in its audit) is completed, with the time it was
    carried out; its email and customer id were redacted in the raw table. -#}
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

erasure_audit as (
    select
        request_id,
        processed_at
    from {{ source('loader', '_erasure_audit') }}
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
        {{ identity_value('customer_id') }} as crm_customer_id,
        {{ normalize_email('email') }} as email,
        jurisdiction,
        {{ to_utc('requested_at') }} as requested_at,
        coalesce(status, 'pending') as source_status
    from requests_ranked
    where version_rank = 1
),

requests_audited as (
    select
        requests_renamed.privacy_request_id,
        requests_renamed.request_type,
        requests_renamed.crm_customer_id,
        requests_renamed.email,
        requests_renamed.jurisdiction,
        requests_renamed.requested_at,
        case
            when erasure_audit.request_id is not null then 'completed'
            else requests_renamed.source_status
        end as request_status,
        {{ to_utc('erasure_audit.processed_at') }} as erased_at
    from requests_renamed
    left join erasure_audit
        on requests_renamed.privacy_request_id = erasure_audit.request_id
)

select * from requests_audited
