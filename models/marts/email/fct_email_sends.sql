{#- One row per message sent to a recipient, with its person, outcome flags and response
    times. -#}
with

sends as (
    select
        message_id,
        email,
        campaign_id,
        campaign_variant,
        sent_at,
        delivered_at,
        first_event_at,
        first_human_open_at,
        first_human_click_at,
        machine_open_count,
        human_open_count,
        human_click_count,
        bot_click_count,
        is_hard_bounced,
        is_soft_bounced,
        is_unsubscribed,
        is_complained
    from {{ ref('int_email_sends_aggregated') }}
),

address_pseudonyms as (
    -- each address's pseudonym and person: one join finds both
    select
        email,
        email_key,
        person_id
    from {{ ref('int_email_addresses_pseudonymised') }}
),

sends_measured as (
    select
        sends.message_id,
        address_pseudonyms.person_id,
        address_pseudonyms.email_key,
        sends.campaign_id,
        sends.campaign_variant,
        coalesce(sends.sent_at, sends.delivered_at, sends.first_event_at) as sent_at,
        sends.delivered_at,
        sends.first_human_open_at,
        sends.first_human_click_at,
        sends.delivered_at is not null as is_delivered,
        sends.first_human_open_at is not null as is_opened,
        sends.machine_open_count > 0 as has_machine_open,
        sends.first_human_click_at is not null as is_clicked,
        sends.is_hard_bounced or sends.is_soft_bounced as is_bounced,
        sends.is_hard_bounced,
        sends.is_unsubscribed,
        sends.is_complained,
        cast(sends.human_open_count as {{ dbt.type_bigint() }}) as human_open_count,
        cast(sends.human_click_count as {{ dbt.type_bigint() }}) as human_click_count,
        cast(sends.bot_click_count as {{ dbt.type_bigint() }}) as bot_click_count,
        -- whole minutes elapsed (not minute boundaries crossed): 50 seconds is 0 minutes
        cast(
            floor(
                cast(
                    {{ dbt.datediff(
                        'sends.delivered_at', 'sends.first_human_open_at', 'second'
                    ) }}
                    as {{ dbt.type_numeric() }}
                ) / 60
            )
            as {{ dbt.type_bigint() }}
        ) as minutes_to_first_open,
        cast(
            floor(
                cast(
                    {{ dbt.datediff(
                        'sends.delivered_at', 'sends.first_human_click_at', 'second'
                    ) }}
                    as {{ dbt.type_numeric() }}
                ) / 60
            )
            as {{ dbt.type_bigint() }}
        ) as minutes_to_first_click
    from sends
    left join address_pseudonyms
        on sends.email = address_pseudonyms.email
)

select * from sends_measured
