{#- One row per CRM customer that exists now: the latest change event per key in LSN
    order, customers whose latest event is a delete left out. -#}
with

source as (
    select
        op,
        ts_ms,
        source_lsn,
        before,
        after,
        _loaded_at,
        _line_number
    from {{ source('crm', 'crm_customer_changes') }}
),

changes_keyed as (
    select
        coalesce(
            {{ json_get_text('after', 'customer_id') }},
            {{ json_get_text('before', 'customer_id') }}
        ) as crm_customer_id,
        op,
        ts_ms,
        source_lsn,
        after,
        _loaded_at,
        _line_number
    from source
),

changes_ranked as (
    select
        *,
        row_number() over (
            partition by crm_customer_id
            order by source_lsn desc, _loaded_at desc, _line_number desc
        ) as change_rank
    from changes_keyed
),

customers_current as (
    select *
    from changes_ranked
    where change_rank = 1 and op <> 'd'
),

customers_renamed as (
    select
        crm_customer_id,
        {{ normalize_email(json_get_text('after', 'email')) }} as email,
        {{ json_get_text('after', 'email') }} as email_as_entered,
        nullif(trim({{ json_get_text('after', 'phone') }}), '') as phone,
        {{ json_get_text('after', 'first_name') }} as first_name,
        {{ json_get_text('after', 'last_name') }} as last_name,
        cast({{ json_get_text('after', 'birth_date') }} as date) as birth_date,
        {{ json_get_text('after', 'gender') }} as gender,
        upper({{ json_get_text('after', 'country_code') }}) as country_code,
        {{ json_get_text('after', 'city') }} as city,
        {{ json_get_text('after', 'timezone') }} as time_zone,
        lower({{ json_get_text('after', 'language') }}) as language_code,
        cast({{ json_get_text('after', 'marketing_opt_in') }} as boolean)
            as has_marketing_opt_in,
        {{ json_get('after', 'custom_attributes') }} as custom_attributes,
        {{ cast_timestamp_utc(json_get_text('after', 'created_at')) }} as created_at,
        {{ cast_timestamp_utc(json_get_text('after', 'updated_at')) }} as updated_at,
        {{ epoch_to_timestamp('ts_ms', 'millisecond') }} as changed_at,
        source_lsn as last_change_lsn
    from customers_current
)

select * from customers_renamed
