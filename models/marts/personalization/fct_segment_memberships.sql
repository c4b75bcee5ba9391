{#- One row per person and segment they are in or were in: when they entered, and when
    they left (null while they are in). Segments are rules declared in the var
    segments__definitions (YAML, not SQL); membership is re-evaluated every run and the
    entry date kept between runs (incremental, never fully refreshed). -#}
{{
    config(
        materialized='incremental',
        unique_key=['person_id', 'segment_name'],
        incremental_strategy='delete+insert',
        full_refresh=false,
        on_schema_change='fail'
    )
}}

{%- set segments = var('segments__definitions') -%}
{%- set fields = segment_fields({
    'dim_customers': 'customers',
    'dim_customer_scores': 'scores',
    'dim_customer_traits': 'traits'
}) -%}
{#- Unit tests have no graph to read documented columns from: all of dim_customers. -#}
{%- set people_columns = ['customers.*' if fields is none else 'customers.person_id'] -%}
{%- for field, alias in (fields or {}).items() -%}
    {%- do people_columns.append(alias ~ '.' ~ field) -%}
{%- endfor -%}
{%- set run_at_text = "'" ~ (run_started_at | string)[:19] ~ "'" %}
{%- set run_at = "cast(" ~ run_at_text ~ " as " ~ dbt.type_timestamp() ~ ")" %}

with

customers as (
    select * from {{ ref('dim_customers') }}
),

scores as (
    select * from {{ ref('dim_customer_scores') }}
),

traits as (
    select * from {{ ref('dim_customer_traits') }}
),

people as (
    -- every documented column of the three, once: what segment rules may use
    select
        {{ people_columns | join(',\n        ') }}
    from customers
    left join scores
        on customers.person_id = scores.person_id
    left join traits
        on customers.person_id = traits.person_id
),

memberships_previous as (
    {% if is_incremental() %}
        select
            person_id,
            segment_name,
            entered_at,
            exited_at
        from {{ this }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as person_id,
            cast(null as {{ dbt.type_string() }}) as segment_name,
            cast(null as {{ dbt.type_timestamp() }}) as entered_at,
            cast(null as {{ dbt.type_timestamp() }}) as exited_at
        where 1 = 0
    {% endif %}
),

members_now as (
    {%- for segment in segments %}
        select
            person_id,
            cast({{ sql_literal(segment.name) }} as varchar) as segment_name
        from people
        where {{ segment_rule(segment, fields) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

memberships_merged as (
    select
        coalesce(members_now.person_id, memberships_previous.person_id) as person_id,
        coalesce(members_now.segment_name, memberships_previous.segment_name)
            as segment_name,
        case
            -- still in: keep the entry date; back in or new: entered now
            when
                members_now.person_id is not null
                and memberships_previous.person_id is not null
                and memberships_previous.exited_at is null
                then memberships_previous.entered_at
            when members_now.person_id is not null then {{ run_at }}
            else memberships_previous.entered_at
        end as entered_at,
        case
            when members_now.person_id is not null then null
            when memberships_previous.exited_at is not null
                then memberships_previous.exited_at
            else {{ run_at }}
        end as exited_at
    from members_now
    full outer join memberships_previous
        on
            members_now.person_id = memberships_previous.person_id
            and members_now.segment_name = memberships_previous.segment_name
),

memberships_flagged as (
    select
        person_id,
        segment_name,
        entered_at,
        exited_at,
        exited_at is null as is_current
    from memberships_merged
)

select * from memberships_flagged
