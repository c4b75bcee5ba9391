-- Each key of a type-2 snapshot has at most one current row (dbt_valid_to null); a key with
-- none is one that was deleted at the source.
with

customer_versions as (
    select
        crm_customer_id,
        dbt_valid_to
    from {{ ref('snp_crm__customers') }}
),

keys_with_several_current_rows as (
    select
        crm_customer_id,
        count(*) as current_row_count
    from customer_versions
    where dbt_valid_to is null
    group by crm_customer_id
    having count(*) > 1
)

select * from keys_with_several_current_rows
