{#- One row per order attributed to an email message, by last touch: the person's latest
    human click within `attribution__click_window_days` before the order, else their
    latest human open within `attribution__open_window_days`. Machine opens and bot
    clicks never attribute; cancelled orders are not attributed. -#}
with

orders as (
    select
        order_id,
        person_id,
        ordered_at,
        reporting_currency,
        net_revenue_reporting_amount
    from {{ ref('fct_orders') }}
    where
        not is_cancelled
        and person_id is not null
),

email_events as (
    select
        email_event_id,
        message_id,
        person_id,
        campaign_id,
        campaign_variant,
        occurred_at,
        is_human_open,
        is_human_click
    from {{ ref('fct_email_events') }}
    where
        (is_human_open or is_human_click)
        and person_id is not null
),

clicks_in_window as (
    select
        orders.order_id,
        email_events.email_event_id,
        email_events.message_id,
        email_events.campaign_id,
        email_events.campaign_variant,
        'click' as touch_type,
        1 as touch_precedence,
        email_events.occurred_at as touch_at
    from orders
    inner join email_events
        on
            orders.person_id = email_events.person_id
            and email_events.is_human_click
            and orders.ordered_at >= email_events.occurred_at
            and email_events.occurred_at >= {{ dbt.dateadd(
                'day', -var('attribution__click_window_days'), 'orders.ordered_at'
            ) }}
),

opens_in_window as (
    select
        orders.order_id,
        email_events.email_event_id,
        email_events.message_id,
        email_events.campaign_id,
        email_events.campaign_variant,
        'open' as touch_type,
        2 as touch_precedence,
        email_events.occurred_at as touch_at
    from orders
    inner join email_events
        on
            orders.person_id = email_events.person_id
            and email_events.is_human_open
            and orders.ordered_at >= email_events.occurred_at
            and email_events.occurred_at >= {{ dbt.dateadd(
                'day', -var('attribution__open_window_days'), 'orders.ordered_at'
            ) }}
),

touches_unioned as (
    select * from clicks_in_window
    union all
    select * from opens_in_window
),

touches_ranked as (
    select
        *,
        row_number() over (
            partition by order_id
            order by
                touch_precedence asc,
                touch_at desc,
                message_id desc,
                email_event_id desc
        ) as touch_rank
    from touches_unioned
),

orders_attributed as (
    select
        orders.order_id,
        orders.person_id,
        touches_ranked.message_id,
        touches_ranked.campaign_id,
        touches_ranked.campaign_variant,
        touches_ranked.touch_type,
        touches_ranked.touch_at,
        orders.ordered_at,
        -- hours elapsed, cut to the hundredth (36 seconds); exact on both engines
        cast(
            cast(
                floor(
                    cast(
                        {{ dbt.datediff(
                            'touches_ranked.touch_at', 'orders.ordered_at', 'second'
                        ) }}
                        as numeric(28, 6)
                    ) / 36
                )
                as {{ dbt.type_bigint() }}
            ) * 0.01
            as numeric(18, 2)
        ) as hours_from_touch,
        orders.reporting_currency,
        orders.net_revenue_reporting_amount
    from touches_ranked
    inner join orders
        on touches_ranked.order_id = orders.order_id
    where touches_ranked.touch_rank = 1
)

select * from orders_attributed
