{#- One row per CRM change event: the customer's key, email and phone as of that change
    (the state after it; for a delete, the state deleted). Where stg_crm__customers keeps
    the current state, this keeps every value a customer ever had — what identity
    resolution needs to recognise an old email or a deleted record in other sources. -#}
with

source as (
    select
        op,
        ts_ms,
        source_lsn,
        before,
        after,
        _loaded_at,
        _source_file,
        _line_number
    from {{ source('crm', 'crm_customer_changes') }}
),

changes_keyed as (
    select
        coalesce(
            {{ json_get_text('after', 'customer_id') }},
            {{ json_get_text('before', 'customer_id') }}
        ) as crm_customer_id,
        coalesce(
            {{ json_get_text('after', 'email') }}, {{ json_get_text('before', 'email') }}
        ) as email_as_entered,
        coalesce(
            {{ json_get_text('after', 'phone') }}, {{ json_get_text('before', 'phone') }}
        ) as phone_as_entered,
        op,
        ts_ms,
        source_lsn,
        _loaded_at,
        _source_file,
        _line_number
    from source
),

changes_ranked as (
    select
        *,
        row_number() over (
            partition by source_lsn, op, crm_customer_id
            order by _loaded_at, _source_file, _line_number
        ) as delivery_rank
    from changes_keyed
),

versions_renamed as (
    select
        {{ dbt.concat([
            "cast(source_lsn as " ~ dbt.type_string() ~ ")",
            "':'", "op", "':'", "crm_customer_id"
        ]) }} as customer_version_id,
        crm_customer_id,
        op as change_operation,
        op = 'd' as is_delete,
        {{ normalize_email('email_as_entered') }} as email,
        nullif(trim(phone_as_entered), '') as phone,
        {{ epoch_to_timestamp('ts_ms', 'millisecond') }} as changed_at,
        source_lsn as change_lsn
    from changes_ranked
    where delivery_rank = 1
)

select * from versions_renamed
