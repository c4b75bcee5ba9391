{#- One row per consent event (a purpose granted or withdrawn by one person). -#}
with

source as (
    select
        consent_id,
        customer_id,
        email,
        purpose,
        status,
        lawful_basis,
        source,
        policy_version,
        occurred_at,
        _loaded_at,
        _source_file,
        _line_number
    from {{ source('privacy', 'consent_events') }}
),

events_ranked as (
    select
        *,
        row_number() over (
            partition by consent_id
            order by _loaded_at, _source_file, _line_number
        ) as delivery_rank
    from source
),

events_renamed as (
    select
        consent_id as consent_event_id,
        {{ identity_value('customer_id') }} as crm_customer_id,
        {{ normalize_email('email') }} as email,
        purpose as consent_purpose,
        status as consent_status,
        status = 'granted' as is_granted,
        lawful_basis,
        source as consent_source,
        policy_version,
        {{ to_utc('occurred_at') }} as occurred_at
    from events_ranked
    where delivery_rank = 1
)

select * from events_renamed
