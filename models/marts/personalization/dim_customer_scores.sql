{#- One row per person in dim_customers: RFM scores and segment, engagement, churn risk,
    purchase intent and discount sensitivity, with the inputs that explain them, as of
    var personalization__as_of_date (null: today, UTC). Every weight, window and threshold is a
    scoring__ var or the rfm_segments seed; the rules are the macros in macros/scoring. -#}
{%- set as_of_date = personalization_as_of_date() -%}

with

customers as (
    select person_id
    from {{ ref('dim_customers') }}
),

orders as (
    select
        person_id,
        ordered_at,
        has_discount_code,
        net_revenue_reporting_amount
    from {{ ref('fct_orders') }}
    where
        person_id is not null
        and not is_cancelled
        and cast(ordered_at as date) <= {{ as_of_date }}
),

email_events as (
    select
        person_id,
        message_id,
        event_type,
        occurred_at
    from {{ ref('fct_email_events') }}
    where
        person_id is not null
        -- machine opens and bot clicks never count
        and (is_human_open or is_human_click)
        and cast(occurred_at as date) <= {{ as_of_date }}
),

web_sessions as (
    select
        person_id,
        started_at,
        product_view_count,
        add_to_cart_count,
        has_started_checkout
    from {{ ref('fct_web_sessions') }}
    where
        person_id is not null
        and cast(started_at as date) <= {{ as_of_date }}
        and {{ dbt.datediff('cast(started_at as date)', as_of_date, 'day') }}
        <= {{ var('scoring__intent_window_days') }}
),

orders_aggregated as (
    select
        person_id,
        count(*) as order_count,
        count(case when has_discount_code then 1 end) as discounted_order_count,
        sum(net_revenue_reporting_amount) as net_revenue_reporting_amount,
        max(ordered_at) as last_ordered_at,
        {{ dbt.datediff(
            'cast(min(ordered_at) as date)', 'cast(max(ordered_at) as date)', 'day'
        ) }} as order_span_days
    from orders
    group by person_id
),

orders_timed as (
    -- the mean gap between a person's orders: first to last order over the gaps between
    select
        *,
        cast(last_ordered_at as date) as last_order_date,
        {{ dbt.datediff('cast(last_ordered_at as date)', as_of_date, 'day') }}
            as days_since_last_order,
        {{ own_order_gap_days('order_span_days', 'order_count') }} as own_order_gap_days
    from orders_aggregated
),

population_gap as (
    -- the typical gap of the population: the median of repeat buyers' own mean gaps
    select
        {{ population_order_gap_days('own_order_gap_days') }} as population_order_gap_days
    from orders_timed
    where order_count > 1
),

orders_scored as (
    select
        orders_timed.*,
        {{ typical_order_gap_days(
            'orders_timed.own_order_gap_days',
            'orders_timed.order_count',
            'population_gap.population_order_gap_days'
        ) }} as typical_order_gap_days,
        case
            when orders_timed.order_count >= {{ var('scoring__churn_min_orders') }}
                then 'person'
            else 'population'
        end as typical_order_gap_source,
        {{ rfm_recency_score('orders_timed.days_since_last_order') }} as recency_score,
        {{ rfm_frequency_score('orders_timed.order_count') }} as frequency_score,
        {{ rfm_monetary_score('orders_timed.net_revenue_reporting_amount') }}
            as monetary_score
    from orders_timed
    cross join population_gap
),

engagements_listed as (
    {{ engagements_listed('email_events', 'orders') }}
),

engagements_scored as (
    select
        person_id,
        count(case when engagement_type = 'open' then 1 end) as email_opened_count,
        count(case when engagement_type = 'click' then 1 end) as email_clicked_count,
        sum(
            {{ engagement_points(
                'engagement_type',
                dbt.datediff('cast(engaged_at as date)', as_of_date, 'day')
            ) }}
        ) as engagement_points
    from engagements_listed
    group by person_id
),

intent_sessions_unconverted as (
    -- visits since the person's latest order: intent an order has not yet satisfied
    select
        web_sessions.person_id,
        web_sessions.started_at,
        web_sessions.product_view_count,
        web_sessions.add_to_cart_count,
        case when web_sessions.has_started_checkout then 1 else 0 end
            as checkout_started_count
    from web_sessions
    left join orders_aggregated
        on web_sessions.person_id = orders_aggregated.person_id
    where
        orders_aggregated.last_ordered_at is null
        or web_sessions.started_at > orders_aggregated.last_ordered_at
),

intent_scored as (
    select
        person_id,
        sum(product_view_count) as intent_product_view_count,
        sum(add_to_cart_count) as intent_add_to_cart_count,
        sum(checkout_started_count) as intent_checkout_started_count,
        sum(
            {{ purchase_intent_points(
                'product_view_count',
                'add_to_cart_count',
                'checkout_started_count',
                dbt.datediff('cast(started_at as date)', as_of_date, 'day')
            ) }}
        ) as intent_points
    from intent_sessions_unconverted
    group by person_id
),

rfm_segments as (
    select
        recency_score,
        frequency_monetary_score,
        rfm_segment
    from {{ ref('rfm_segments') }}
),

scores_joined as (
    select
        customers.person_id,
        orders_scored.recency_score,
        orders_scored.frequency_score,
        orders_scored.monetary_score,
        cast(
            {{ rfm_frequency_monetary_score(
                'orders_scored.frequency_score', 'orders_scored.monetary_score'
            ) }} as {{ dbt.type_bigint() }}
        ) as frequency_monetary_score,
        coalesce(engagements_scored.engagement_points, 0) as engagement_points,
        {{ churn_risk_score(
            'orders_scored.days_since_last_order', 'orders_scored.typical_order_gap_days'
        ) }} as churn_risk_score,
        {{ purchase_intent_score('coalesce(intent_scored.intent_points, 0)') }}
            as purchase_intent_score,
        {{ discount_sensitivity_score(
            'orders_scored.discounted_order_count', 'orders_scored.order_count'
        ) }} as discount_sensitivity_score,
        coalesce(orders_scored.order_count, 0) as order_count,
        coalesce(orders_scored.discounted_order_count, 0) as discounted_order_count,
        coalesce(orders_scored.net_revenue_reporting_amount, 0)
            as net_revenue_reporting_amount,
        orders_scored.last_order_date,
        orders_scored.days_since_last_order,
        orders_scored.typical_order_gap_days,
        orders_scored.typical_order_gap_source,
        coalesce(engagements_scored.email_opened_count, 0) as email_opened_count,
        coalesce(engagements_scored.email_clicked_count, 0) as email_clicked_count,
        coalesce(intent_scored.intent_product_view_count, 0)
            as intent_product_view_count,
        coalesce(intent_scored.intent_add_to_cart_count, 0) as intent_add_to_cart_count,
        coalesce(intent_scored.intent_checkout_started_count, 0)
            as intent_checkout_started_count
    from customers
    left join orders_scored
        on customers.person_id = orders_scored.person_id
    left join engagements_scored
        on customers.person_id = engagements_scored.person_id
    left join intent_scored
        on customers.person_id = intent_scored.person_id
),

scores_segmented as (
    select
        scores_joined.person_id,
        {{ as_of_date }} as as_of_date,
        cast(scores_joined.recency_score as {{ dbt.type_bigint() }}) as recency_score,
        cast(scores_joined.frequency_score as {{ dbt.type_bigint() }}) as frequency_score,
        cast(scores_joined.monetary_score as {{ dbt.type_bigint() }}) as monetary_score,
        scores_joined.frequency_monetary_score,
        cast(rfm_segments.rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(
            round(cast(scores_joined.engagement_points as numeric(28, 6)), 4)
            as numeric(18, 4)
        ) as engagement_score,
        cast(round(scores_joined.churn_risk_score, 4) as numeric(5, 4))
            as churn_risk_score,
        cast(round(scores_joined.purchase_intent_score, 2) as numeric(5, 2))
            as purchase_intent_score,
        cast(round(scores_joined.discount_sensitivity_score, 4) as numeric(5, 4))
            as discount_sensitivity_score,
        cast(scores_joined.order_count as {{ dbt.type_bigint() }}) as order_count,
        cast(scores_joined.discounted_order_count as {{ dbt.type_bigint() }})
            as discounted_order_count,
        cast(scores_joined.net_revenue_reporting_amount as numeric(28, 2))
            as net_revenue_reporting_amount,
        scores_joined.last_order_date,
        cast(scores_joined.days_since_last_order as {{ dbt.type_bigint() }})
            as days_since_last_order,
        cast(round(scores_joined.typical_order_gap_days, 2) as numeric(9, 2))
            as typical_order_gap_days,
        cast(scores_joined.typical_order_gap_source as {{ dbt.type_string() }})
            as typical_order_gap_source,
        cast(scores_joined.email_opened_count as {{ dbt.type_bigint() }})
            as email_opened_count,
        cast(scores_joined.email_clicked_count as {{ dbt.type_bigint() }})
            as email_clicked_count,
        cast(scores_joined.intent_product_view_count as {{ dbt.type_bigint() }})
            as intent_product_view_count,
        cast(scores_joined.intent_add_to_cart_count as {{ dbt.type_bigint() }})
            as intent_add_to_cart_count,
        cast(scores_joined.intent_checkout_started_count as {{ dbt.type_bigint() }})
            as intent_checkout_started_count
    from scores_joined
    left join rfm_segments
        on
            scores_joined.recency_score = rfm_segments.recency_score
            and scores_joined.frequency_monetary_score
            = rfm_segments.frequency_monetary_score
)

select * from scores_segmented
